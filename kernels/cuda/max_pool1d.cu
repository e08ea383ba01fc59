// CUDA twin of kernels/cpu/max_pool1d.cpp, its reference: window-3 max-pool over the length of (B, L, C)
// with argmax, one thread per output. Checked against the CPU by tests/ops_table/ in device mode (rows
// "max_pool1d": build/test_ops device --filter max_pool1d); timed by build/test_ops perf.
#include "core/cuda_check.cuh"
#include "kernels/cuda/max_pool1d.cuh"

namespace ponet::cuda {

namespace {

__global__ void max_pool1d_forward_kernel(float* out, int64_t* arg, const float* x, long long B, long long L, long long C) {
  const long long n = B * L * C;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const long long c = i % C, l = (i / C) % L, b = i / (C * L);
    const long long lo = l > 0 ? l - 1 : 0, hi = l + 1 < L ? l + 1 : L - 1;
    long long best = lo;
    for (long long m = lo + 1; m <= hi; ++m)
      if (x[(b * L + m) * C + c] > x[(b * L + best) * C + c]) best = m;
    arg[i] = best;
    out[i] = x[(b * L + best) * C + c];
  }
}

__global__ void max_pool1d_backward_kernel(float* dx, const float* dout, const int64_t* arg, long long B, long long L,
                                           long long C) {
  const long long n = B * L * C;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const long long c = i % C, m = (i / C) % L, b = i / (C * L);
    const long long lo = m > 0 ? m - 1 : 0, hi = m + 1 < L ? m + 1 : L - 1;
    float acc = 0.f;
    for (long long l = lo; l <= hi; ++l)
      if (arg[(b * L + l) * C + c] == m) acc += dout[(b * L + l) * C + c];
    dx[i] = acc;
  }
}

}  // namespace

void max_pool1d_forward(float* out, int64_t* arg, const float* x, int64_t B, int64_t L, int64_t C) {
  const long long n = B * L * C;
  if (n == 0) return;
  max_pool1d_forward_kernel<<<blocks_for(n), 256>>>(out, arg, x, B, L, C);
  PONET_CUDA_CHECK_LAUNCH();
}

void max_pool1d_backward(float* dx, const float* dout, const int64_t* arg, int64_t B, int64_t L, int64_t C) {
  const long long n = B * L * C;
  if (n == 0) return;
  max_pool1d_backward_kernel<<<blocks_for(n), 256>>>(dx, dout, arg, B, L, C);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
