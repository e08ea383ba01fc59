// CUDA twin of kernels/cpu/attention.cpp, its reference: fused attention, q, k, v, out (B, L, H*d), P (B,
// H, L, L); cuBLAS GEMMs and row kernels. Checked against the CPU by tests/ops_table/ in device mode
// (rows "attention": build/test_ops device --filter attention) and by tests/test_attention.cpp (memory
// held); timed by bench/bench_attention.cpp cuda.
#include "kernels/cuda/attention.cuh"
#include "kernels/cuda/block_reduce.cuh"
#include "core/cuda_check.cuh"
#include "kernels/cuda/gemm.cuh"
#include "kernels/dropout_hash.h"

namespace ponet::cuda {

namespace {

constexpr int kThreads = 256;

// One block per row of P (rows ordered (b, h, i)); scores in, probabilities out, in place. Max and sum
// over the real keys only; padded keys get exactly 0.
__global__ void softmax_rows_kernel(float* prob, const int64_t* key_valid, long long L, long long rows_per_batch) {
  float* s = prob + blockIdx.x * L;
  const int64_t* valid = key_valid ? key_valid + (blockIdx.x / rows_per_batch) * L : nullptr;
  float mx = -INFINITY;
  for (long long j = threadIdx.x; j < L; j += blockDim.x)
    if (!valid || valid[j]) mx = fmaxf(mx, s[j]);
  mx = block_reduce(mx, MaxOp{}, -INFINITY);
  float sum = 0.f;
  for (long long j = threadIdx.x; j < L; j += blockDim.x) {
    const float e = (!valid || valid[j]) ? expf(s[j] - mx) : 0.f;
    s[j] = e;
    sum += e;
  }
  const float inv = 1.f / block_reduce(sum, SumOp{}, 0.f);
  for (long long j = threadIdx.x; j < L; j += blockDim.x) s[j] *= inv;
}

// dst[i] = src[i] * mask-scale of counter index base + i (P' of one batch row).
__global__ void dropout_kernel(float* dst, const float* src, long long n, unsigned long long base, float p,
                               unsigned long long seed) {
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<long long>(gridDim.x) * blockDim.x)
    dst[i] = src[i] * dropout_scale(seed, base + i, p);
}

// One block per row: w holds dP' on entry and dS on exit; prob and the counter index start at `row0`.
__global__ void softmax_backward_kernel(float* work, const float* prob, long long row0, long long L, float p,
                                        unsigned long long seed) {
  float* w = work + blockIdx.x * L;
  const long long row = row0 + blockIdx.x;
  const float* P = prob + row * L;
  float dot = 0.f;
  for (long long j = threadIdx.x; j < L; j += blockDim.x) {
    const float dP = p > 0.f ? w[j] * dropout_scale(seed, static_cast<unsigned long long>(row * L + j), p) : w[j];
    w[j] = dP;
    dot += dP * P[j];
  }
  dot = block_reduce(dot, SumOp{}, 0.f);
  for (long long j = threadIdx.x; j < L; j += blockDim.x) w[j] = P[j] * (w[j] - dot);
}

void apply_dropout(float* dst, const float* src, long long n, long long base, float p, uint64_t seed) {
  dropout_kernel<<<blocks_for(n), kThreads>>>(dst, src, n, static_cast<unsigned long long>(base), p, seed);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace

int64_t attention_workspace_floats(const cpu::AttentionDims& dims) { return dims.H * dims.L * dims.L; }

void attention_forward(float* out, float* prob, const float* q, const float* k, const float* v,
                       const int64_t* key_valid, const cpu::AttentionDims& dims, float p, uint64_t seed,
                       float* workspace) {
  const int64_t B = dims.B, L = dims.L, H = dims.H, d = dims.d, D = H * d, LL = L * L;
  if (B == 0) return;
  const float inv_sqrt_d = 1.f / sqrtf(static_cast<float>(d));
  for (int64_t b = 0; b < B; ++b)  // S = Q K^T / sqrt(d), the H heads of row b in one call
    gemm_strided_batched(false, true, L, L, d, inv_sqrt_d, q + b * L * D, D, d, k + b * L * D, D, d, 0.f, prob + b * H * LL, L,
                 LL, H);
  softmax_rows_kernel<<<static_cast<unsigned>(B * H * L), kThreads>>>(prob, key_valid, L, H * L);
  PONET_CUDA_CHECK_LAUNCH();
  for (int64_t b = 0; b < B; ++b) {  // out = P' V
    const float* Pb = prob + b * H * LL;
    if (p > 0.f) {
      apply_dropout(workspace, Pb, H * LL, b * H * LL, p, seed);
      Pb = workspace;
    }
    gemm_strided_batched(false, false, L, d, L, 1.f, Pb, L, LL, v + b * L * D, D, d, 0.f, out + b * L * D, D, d, H);
  }
}

void attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* prob, const float* q,
                        const float* k, const float* v, const cpu::AttentionDims& dims, float p, uint64_t seed,
                        float* workspace) {
  const int64_t B = dims.B, L = dims.L, H = dims.H, d = dims.d, D = H * d, LL = L * L;
  const float inv_sqrt_d = 1.f / sqrtf(static_cast<float>(d));
  for (int64_t b = 0; b < B; ++b) {
    const int64_t x0 = b * L * D;  // row b of q, k, v, dout and of the gradients
    const float* Pb = prob + b * H * LL;
    const float* Pd = Pb;
    if (p > 0.f) {  // the workspace holds P' first (for dV) ...
      apply_dropout(workspace, Pb, H * LL, b * H * LL, p, seed);
      Pd = workspace;
    }
    gemm_strided_batched(true, false, L, d, L, 1.f, Pd, L, LL, dout + x0, D, d, 0.f, dv + x0, D, d, H);  // dV = P'^T dOut
    // ... then dP' = dOut V^T, turned into dS in place
    gemm_strided_batched(false, true, L, L, d, 1.f, dout + x0, D, d, v + x0, D, d, 0.f, workspace, L, LL, H);
    softmax_backward_kernel<<<static_cast<unsigned>(H * L), kThreads>>>(workspace, prob, b * H * L, L, p, seed);
    PONET_CUDA_CHECK_LAUNCH();
    gemm_strided_batched(false, false, L, d, L, inv_sqrt_d, workspace, L, LL, k + x0, D, d, 0.f, dq + x0, D, d, H);
    gemm_strided_batched(true, false, L, d, L, inv_sqrt_d, workspace, L, LL, q + x0, D, d, 0.f, dk + x0, D, d, H);
  }
}

}  // namespace ponet::cuda
