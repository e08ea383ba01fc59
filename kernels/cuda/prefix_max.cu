// CUDA twin of kernels/cpu/prefix_max.cpp: one thread per (b, c) column walks t left to right (a running
// max, rescanning the window when its left end moves), so forward and backward need no atomics and sum
// in a fixed order. Neighbouring threads own neighbouring channels: the loads of one step coalesce.
// Checked against the CPU by tests/ops_table/ in device mode (rows "prefix_max").
#include "core/cuda_check.cuh"
#include "kernels/cuda/prefix_max.cuh"

namespace ponet::cuda {

namespace {

__device__ long long range_start(long long t, long long segment_length, long long window) {
  long long start = segment_length > 0 ? (t / segment_length) * segment_length : 0;
  if (window > 0 && t - window + 1 > start) start = t - window + 1;
  return start;
}

__global__ void prefix_max_forward_kernel(float* out, int64_t* arg, const float* x, long long B, long long L,
                                          long long C, long long segment_length, long long window) {
  const long long n = B * C;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const long long b = i / C, c = i % C;
    for (long long t = 0; t < L; ++t) {
      const long long start = range_start(t, segment_length, window), at = (b * L + t) * C + c;
      if (t == 0 || start != range_start(t - 1, segment_length, window)) {
        long long best = start;
        for (long long m = start + 1; m <= t; ++m)
          if (x[(b * L + m) * C + c] > x[(b * L + best) * C + c]) best = m;
        arg[at] = best;
        out[at] = x[(b * L + best) * C + c];
      } else {
        const bool take = x[at] > out[at - C];
        arg[at] = take ? t : arg[at - C];
        out[at] = take ? x[at] : out[at - C];
      }
    }
  }
}

__global__ void prefix_max_backward_kernel(float* dx, const float* dout, const int64_t* arg, long long B, long long L,
                                           long long C) {
  const long long n = B * C;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const long long b = i / C, c = i % C;
    for (long long t = 0; t < L; ++t) dx[(b * L + t) * C + c] = 0.f;
    for (long long t = 0; t < L; ++t) dx[(b * L + arg[(b * L + t) * C + c]) * C + c] += dout[(b * L + t) * C + c];
  }
}

}  // namespace

void prefix_max_forward(float* out, int64_t* arg, const float* x, int64_t B, int64_t L, int64_t C,
                        int64_t segment_length, int64_t window) {
  const long long n = B * C;
  if (n == 0 || L == 0) return;
  prefix_max_forward_kernel<<<blocks_for(n), 256>>>(out, arg, x, B, L, C, segment_length, window);
  PONET_CUDA_CHECK_LAUNCH();
}

void prefix_max_backward(float* dx, const float* dout, const int64_t* arg, int64_t B, int64_t L, int64_t C) {
  const long long n = B * C;
  if (n == 0 || L == 0) return;
  prefix_max_backward_kernel<<<blocks_for(n), 256>>>(dx, dout, arg, B, L, C);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
