// CUDA twin of kernels/cpu/activations.cpp, its reference: each formula of kernels/activation_formulas.h
// in a grid-stride loop. Checked against the CPU by tests/ops_table/ in device mode (rows "gelu", "tanh",
// "relu": build/test_ops device --filter gelu); timed by build/test_ops perf.
#include "core/cuda_check.cuh"
#include "kernels/activation_formulas.h"
#include "kernels/cuda/activations.cuh"

namespace ponet::cuda {

namespace {

template <class F>
__global__ void forward_kernel(float* out, const float* x, long long n) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    out[i] = F::forward(x[i]);
}

template <class F>
__global__ void backward_kernel(float* dx, const float* x, const float* y, const float* dy, long long n) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    dx[i] = F::backward(x[i], y[i], dy[i]);
}

}  // namespace

template <class F>
void activation_forward(float* out, const float* x, int64_t n) {
  if (n == 0) return;
  forward_kernel<F><<<blocks_for(n), 256>>>(out, x, n);
  PONET_CUDA_CHECK_LAUNCH();
}

template <class F>
void activation_backward(float* dx, const float* x, const float* y, const float* dy, int64_t n) {
  if (n == 0) return;
  backward_kernel<F><<<blocks_for(n), 256>>>(dx, x, y, dy, n);
  PONET_CUDA_CHECK_LAUNCH();
}

#define PONET_INSTANTIATE_ACTIVATION(name, Formula)                                     \
  template void activation_forward<activation::Formula>(float*, const float*, int64_t); \
  template void activation_backward<activation::Formula>(float*, const float*, const float*, const float*, int64_t);
PONET_ACTIVATIONS(PONET_INSTANTIATE_ACTIVATION)
#undef PONET_INSTANTIATE_ACTIVATION

}  // namespace ponet::cuda
