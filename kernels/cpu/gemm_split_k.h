// The split along K shared by the fp32 and bf16 blocked GEMMs (kernels/cpu/gemm.cpp, kernels/cpu/gemm_bf16.cpp). A
// product with a small C and a long K (a weight gradient, dW = g^T x over every token) has too few M blocks for the M
// split to keep the threads busy; it is split along K: every chunk's product goes to its own M x N buffer in parallel
// (each a one-thread blocked GEMM), then the buffers are added in chunk order. Also the two GEMMs' shared entry and
// packing buffers.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace ponet::cpu::gemm_detail {

// Rows of K per split: fixed, not derived from the thread count, so the chunk partials (and the order they are added
// in) are the same for any number of threads.
constexpr int64_t kSplitK = 2048;
constexpr int64_t kSplitKBelowMBlocks = 8;  // products with fewer M blocks split along K

// Whether a product of M rows in blocks of mc_block rows takes the K split. "Few" is a constant (4 blocks a thread on 2
// threads), not derived from the thread count: the path taken, and so the bits of C, are the same for any number of
// threads, which keeps a training run bit-identical under --threads N.
inline bool use_split_k(int64_t M, int64_t N, int64_t K, int64_t mc_block) {
  const bool few_m_blocks = (M + mc_block - 1) / mc_block < kSplitKBelowMBlocks;
  return few_m_blocks && K >= 2 * kSplitK && M * N <= 1 << 20 && !omp_in_parallel();
}

// C = beta C + alpha sum over K chunks of op(A)[:, chunk] op(B)[chunk, :]. blocked(ta, tb, M, N, kc, alpha, a, lda, b,
// ldb, beta, c, ldc) is the blocked GEMM each chunk runs (called inside a parallel for).
template <class Blocked>
void gemm_split_k(const Blocked& blocked, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                  const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  const int64_t chunks = (K + kSplitK - 1) / kSplitK;
  std::vector<float> partial(static_cast<size_t>(chunks * M * N));
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t ch = 0; ch < chunks; ++ch) {
    const int64_t k0 = ch * kSplitK, kc = std::min(kSplitK, K - k0);
    const float* a = trans_a ? A + k0 * lda : A + k0;  // op(A)[:, k0:] starts at column (or row) k0
    const float* b = trans_b ? B + k0 : B + k0 * ldb;
    blocked(trans_a, trans_b, M, N, kc, alpha, a, lda, b, ldb, 0.f, partial.data() + ch * M * N, N);
  }
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      float acc = 0.f;
      for (int64_t ch = 0; ch < chunks; ++ch) acc += partial[(ch * M + i) * N + j];
      float& c = C[i * ldc + j];
      c = (beta == 0.f ? 0.f : beta * c) + acc;
    }
}

// The whole product through blocked(micro_kernel, ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc), split along K
// first where use_split_k says the M split would leave threads idle: the one entry of the fp32 and bf16 GEMMs.
template <class MicroKernel, class Blocked>
void gemm_blocked_or_split_k(const Blocked& blocked, MicroKernel micro_kernel, int64_t mc_block, bool trans_a,
                             bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                             const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (use_split_k(M, N, K, mc_block)) {
    auto chunk = [&](bool ta, bool tb, int64_t m, int64_t n, int64_t k, float al, const float* a, int64_t la,
                     const float* b, int64_t lb, float be, float* c, int64_t lc) {
      blocked(micro_kernel, ta, tb, m, n, k, al, a, la, b, lb, be, c, lc);
    };
    gemm_split_k(chunk, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  } else {
    blocked(micro_kernel, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }
}

// A packing buffer of at least n elements, kept per thread and only grown: a fresh zero-filled vector for every block
// spent about a tenth of a K = 128 product in memset (perf, the MLM decoder's 1640 x 8000 x 128). which: 0 the shared
// B panel (owned by the calling thread), 1 a thread's packed A.
template <class Element>
Element* packing_buffer(int which, size_t n) {
  thread_local std::vector<Element> buffers[2];
  std::vector<Element>& b = buffers[which];
  if (b.size() < n) b.resize(n);
  return b.data();
}

}  // namespace ponet::cpu::gemm_detail
