// Writing a GEMM micro-kernel's register tile into C, shared by the fp32 kernels
// (kernels/cpu/gemm_micro_kernel.h) and the bf16 ones (kernels/cpu/gemm_bf16_micro_kernel.h), whose
// accumulators are fp32 alike: C = alpha acc + beta C on the first K block (beta 0: C is not read, so NaN
// there is ignored as in BLAS), C += alpha acc after.
#pragma once
#include <cstdint>

#if defined(__AVX512F__) || (defined(__x86_64__) && defined(__GNUC__) && (defined(__clang__) || __GNUC__ >= 10))
#define PONET_HAVE_ZMM_TILE_STORE 1
#include <immintrin.h>
#endif

namespace ponet::cpu::gemm_store {

// The m x n corner of an R x N tile held in memory.
template <int64_t R, int64_t N>
inline void store_tile(const float (&acc)[R][N], float* C, int64_t ldc, int64_t m, int64_t n, float alpha,
                       bool first_k_block, float beta) {
  const bool add = !first_k_block || beta == 1.f;
  for (int64_t r = 0; r < m; ++r) {
    float* c_row = C + r * ldc;
    if (add) {
#pragma omp simd
      for (int64_t c = 0; c < n; ++c) c_row[c] += alpha * acc[r][c];
    } else if (beta == 0.f) {
#pragma omp simd
      for (int64_t c = 0; c < n; ++c) c_row[c] = alpha * acc[r][c];
    } else {
#pragma omp simd
      for (int64_t c = 0; c < n; ++c) c_row[c] = alpha * acc[r][c] + beta * c_row[c];
    }
  }
}

#ifdef PONET_HAVE_ZMM_TILE_STORE
// The m x n corner of an R x 32 tile held in two zmm registers a row: a full tile as whole vectors, a
// partial one through memory and store_tile. A target attribute rather than a file-wide flag, so the
// bf16 kernels' file can use it in a build that does not target AVX-512; call it only from AVX-512 code.
template <int64_t R>
__attribute__((target("avx512f"))) inline void store_zmm_tile(__m512 (&acc)[R][2], float* C, int64_t ldc, int64_t m,
                                                              int64_t n, float alpha, bool first_k_block, float beta) {
  if (m == R && n == 32) {
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    const bool add = !first_k_block || beta == 1.f;
    for (int64_t r = 0; r < R; ++r)
      for (int64_t h = 0; h < 2; ++h) {
        float* c = C + r * ldc + 16 * h;
        __m512 v;
        if (add) v = _mm512_fmadd_ps(va, acc[r][h], _mm512_loadu_ps(c));
        else if (beta == 0.f) v = _mm512_mul_ps(va, acc[r][h]);  // C is not read: NaN there is ignored
        else v = _mm512_fmadd_ps(va, acc[r][h], _mm512_mul_ps(vb, _mm512_loadu_ps(c)));
        _mm512_storeu_ps(c, v);
      }
    return;
  }
  float tile[R][32];
  for (int64_t r = 0; r < R; ++r) {
    _mm512_storeu_ps(tile[r], acc[r][0]);
    _mm512_storeu_ps(tile[r] + 16, acc[r][1]);
  }
  store_tile(tile, C, ldc, m, n, alpha, first_k_block, beta);
}
#endif

}  // namespace ponet::cpu::gemm_store
