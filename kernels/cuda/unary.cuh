// Grid-stride kernels shared by the elementwise activations: each op supplies a functor with its
// formula (forward: f(x); backward: df(x, y, dy)).
#pragma once
#include <cstdint>

#include "core/cuda_check.cuh"

namespace ponet::cuda {

template <class F>
__global__ void unary_map_kernel(float* out, const float* x, long long n, F f) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    out[i] = f(x[i]);
}

template <class F>
__global__ void unary_grad_map_kernel(float* dx, const float* x, const float* y, const float* dy, long long n, F df) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    dx[i] = df(x[i], y[i], dy[i]);
}

template <class F>
void unary_map(float* out, const float* x, int64_t n, F f) {
  if (n == 0) return;
  unary_map_kernel<<<blocks_for(n), 256>>>(out, x, n, f);
  PONET_CUDA_CHECK_LAUNCH();
}

template <class F>
void unary_grad_map(float* dx, const float* x, const float* y, const float* dy, int64_t n, F df) {
  if (n == 0) return;
  unary_grad_map_kernel<<<blocks_for(n), 256>>>(dx, x, y, dy, n, df);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
