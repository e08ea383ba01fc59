// CUDA twin of kernels/cpu/segment_max.cpp, its reference: segment max-pool over the length of (B, L, C)
// with argmax, layout on the device. Checked against the CPU by tests/ops_table/ in device mode (rows
// "segment_max": build/test_ops device --filter segment_max); timed by build/test_ops perf.
#include "core/cuda_check.cuh"
#include "kernels/cuda/segment_max.cuh"

namespace ponet::cuda {

namespace {

// One thread per (row, segment, channel): find the winner, then write it to every member.
__global__ void segment_max_forward_kernel(float* out, int64_t* arg, const float* x, SegmentLayoutView s, long long C) {
  const long long n = s.B * s.K * C;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const long long c = i % C, k = (i / C) % s.K, b = i / (C * s.K);
    const int64_t* start = s.start + b * (s.K + 1);
    const int64_t* order = s.order + b * s.L;
    if (start[k] == start[k + 1]) continue;  // this row has fewer segments
    const float* xb = x + b * s.L * C;
    long long winner = order[start[k]];
    for (long long j = start[k] + 1; j < start[k + 1]; ++j)
      if (xb[order[j] * C + c] > xb[winner * C + c]) winner = order[j];
    for (long long j = start[k]; j < start[k + 1]; ++j) {
      const long long o = (b * s.L + order[j]) * C + c;
      arg[o] = winner;
      out[o] = xb[winner * C + c];
    }
  }
}

// dx is zeroed first; then each (row, segment, channel) writes its summed gradient to its winner
// (winners of different segments are different positions, so no two threads write one element).
__global__ void segment_max_backward_kernel(float* dx, const float* dout, const int64_t* arg, SegmentLayoutView s,
                                            long long C) {
  const long long n = s.B * s.K * C;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const long long c = i % C, k = (i / C) % s.K, b = i / (C * s.K);
    const int64_t* start = s.start + b * (s.K + 1);
    const int64_t* order = s.order + b * s.L;
    if (start[k] == start[k + 1]) continue;
    double total = 0.0;
    for (long long j = start[k]; j < start[k + 1]; ++j) total += dout[(b * s.L + order[j]) * C + c];
    const long long winner = arg[(b * s.L + order[start[k]]) * C + c];
    dx[(b * s.L + winner) * C + c] = static_cast<float>(total);
  }
}

}  // namespace

void segment_max_forward(float* out, int64_t* arg, const float* x, const SegmentLayoutView& seg, int64_t C) {
  const long long n = seg.B * seg.K * C;
  if (n == 0) return;
  segment_max_forward_kernel<<<blocks_for(n), 256>>>(out, arg, x, seg, C);
  PONET_CUDA_CHECK_LAUNCH();
}

void segment_max_backward(float* dx, const float* dout, const int64_t* arg, const SegmentLayoutView& seg, int64_t C) {
  PONET_CUDA_CHECK(cudaMemset(dx, 0, sizeof(float) * seg.B * seg.L * C));
  const long long n = seg.B * seg.K * C;
  if (n == 0) return;
  segment_max_backward_kernel<<<blocks_for(n), 256>>>(dx, dout, arg, seg, C);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
