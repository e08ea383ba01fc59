// CUDA twin of kernels/cpu/masked_mean.cpp, its reference: mean over the real positions of (B, L, C) ->
// (B, C). Checked against the CPU by tests/ops_table/ in device mode (rows "masked_mean": build/test_ops
// device --filter masked_mean); timed by build/test_ops perf.
#include "kernels/cuda/block_reduce.cuh"
#include "core/cuda_check.cuh"
#include "kernels/cuda/masked_mean.cuh"

namespace ponet::cuda {

namespace {

// One thread per (row, channel), walking the row in order (deterministic; L up to 16k is fine).
__global__ void masked_mean_forward_kernel(float* out, const float* x, const int64_t* mask, long long B, long long L,
                                           long long C) {
  const long long n = B * C;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const long long c = i % C, b = i / C;
    double acc = 0.0;
    long long count = 0;
    for (long long l = 0; l < L; ++l)
      if (mask[b * L + l]) {
        acc += x[(b * L + l) * C + c];
        ++count;
      }
    out[i] = static_cast<float>(acc / count);
  }
}

// One block per row: count the real positions once, then spread dout over them.
__global__ void masked_mean_backward_kernel(float* dx, const float* dout, const int64_t* mask, long long L, long long C) {
  const long long b = blockIdx.x;
  long long local = 0;
  for (long long l = threadIdx.x; l < L; l += blockDim.x) local += mask[b * L + l] != 0;
  const float inv = 1.f / static_cast<float>(block_reduce(local, SumOp{}, 0LL));
  for (long long i = threadIdx.x; i < L * C; i += blockDim.x) {
    const long long l = i / C, c = i % C;
    dx[b * L * C + i] = mask[b * L + l] ? dout[b * C + c] * inv : 0.f;
  }
}

}  // namespace

void masked_mean_forward(float* out, const float* x, const int64_t* mask, int64_t B, int64_t L, int64_t C) {
  if (B * C == 0) return;
  masked_mean_forward_kernel<<<blocks_for(B * C), 256>>>(out, x, mask, B, L, C);
  PONET_CUDA_CHECK_LAUNCH();
}

void masked_mean_backward(float* dx, const float* dout, const int64_t* mask, int64_t B, int64_t L, int64_t C) {
  if (B * L * C == 0) return;
  masked_mean_backward_kernel<<<static_cast<unsigned>(B), 256>>>(dx, dout, mask, L, C);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
