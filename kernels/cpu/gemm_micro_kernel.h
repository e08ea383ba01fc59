// The GEMM micro-kernels: C[m x n tile] (=|+=) alpha * sum_k a(r, k) b[k][c] over MR rows of op(A), read
// in place through two strides (a(r, k) = a[r * a_row_stride + k * a_k_stride], so a plain A, a
// transposed one and a packed sliver all work), and one packed B sliver (kc x NR), for
// kernels/cpu/gemm.cpp. Two versions of the same
// contract, side by side:
//   micro_kernel_portable  plain loops the compiler vectorises (any x86-64; the reference the other is
//                          tested against: tests/test_gemm.cpp runs gemm and gemm_portable)
//   micro_kernel_avx512    intrinsics, 16 zmm accumulators, software prefetch of B and C; one thread
//                          on a Zen 4 VM: 1024^3 87 -> 103 GFLOP/s, the MLM decoder's 1640 x 8000 x 128
//                          89 -> 100; on 2 threads the gain is smaller, 0-10 % by shape and within the
//                          VM's noise (bench_gemm prints both kernels per shape)
#pragma once
#include <cstdint>

#include "kernels/cpu/gemm_store.h"

namespace ponet::cpu::gemm_detail {

// Register tile MR x NR, its width following the build's vector width (the packed B slivers are NR
// wide): 8 x 32 floats = 16 of AVX-512's 32 registers; without AVX-512, 6 x 16 = 12 of AVX2's 16 ymm
// registers. A 6 x 32 tile there needs 24 and spilled: on a Zen 3 VM (2 threads) the portable kernel ran
// 1024^3 at 43 GFLOP/s (0.44x OpenBLAS), 6 x 16 at 98-130 (level with OpenBLAS). An AVX2 intrinsics
// version of the AVX-512 kernel (with and without its prefetches) was tried there and was level with the
// portable loop within that VM's +-20 % noise, so AVX2 builds use the portable kernel.
// AVX-512 tiles of 6, 8 and 12 rows (with MC 96 and 48) were timed on a 2-core Xeon (family 6 model
// 167), two alternated rounds of bench_gemm: 8 x 32 with MC 48 was level with or ahead of 6 x 32 on
// every model shape (the MLM decoder's 1640 x 8000 x 128 nt 170 -> 222-246 GFLOP/s, 1024^3 229-249 ->
// 253-272); 12 rows gained on some shapes and lost on the LRA ones.
#ifdef __AVX512F__
constexpr int64_t MR = 8;
constexpr int64_t NR = 32;
#else
constexpr int64_t MR = 6;
constexpr int64_t NR = 16;
#endif

using MicroKernel = void (*)(int64_t kc, const float* a, int64_t a_row_stride, int64_t a_k_stride, const float* b,
                             float* C, int64_t ldc, int64_t m, int64_t n, float alpha, bool first_k_block, float beta);

using gemm_store::store_tile;

// acc[MR][NR] = sum_k a(r, k) * b[k][c], then stored into the m x n tile of C. A full tile goes through
// store_tile with constant bounds, so the compiler stores whole vectors (the partial tile's loop is scalar).
inline void micro_kernel_portable(int64_t kc, const float* a, int64_t a_row_stride, int64_t a_k_stride,
                                  const float* b, float* C, int64_t ldc, int64_t m, int64_t n, float alpha,
                                  bool first_k_block, float beta) {
  float acc[MR][NR];  // the first k initialises it: `= {}` compiled to a memset call per tile
  for (int64_t r = 0; r < MR; ++r)
#pragma omp simd
    for (int64_t c = 0; c < NR; ++c) acc[r][c] = a[r * a_row_stride] * b[c];
  for (int64_t k = 1; k < kc; ++k) {
    const float* bk = b + k * NR;
    const float* ak = a + k * a_k_stride;
    for (int64_t r = 0; r < MR; ++r) {
      const float ar = ak[r * a_row_stride];
#pragma omp simd
      for (int64_t c = 0; c < NR; ++c) acc[r][c] += ar * bk[c];
    }
  }
  if (m == MR && n == NR) store_tile(acc, C, ldc, MR, NR, alpha, first_k_block, beta);
  else store_tile(acc, C, ldc, m, n, alpha, first_k_block, beta);
}

#ifdef __AVX512F__
// Why intrinsics when the portable loop already vectorises: the compiler neither prefetches nor warms
// the tile's C rows, and both show. B is prefetched 8 k-steps (1 KiB) ahead; the tile's C rows are
// prefetched on entry so their read-modify-write at the end does not stall (not when the tile only
// writes C, beta 0 on the first K block: there the prefetches of MR rows far apart, 8 x 32000 bytes in
// the MLM decoder, only queued behind the B loads; 1640 x 8000 x 128 nt 167 -> 187 GFLOP/s, 12-row tile). Chosen on a Zen 4 VM, one
// thread, best of 30-80 runs per binary (the VM's noise is ~5 %): no prefetch and distances of 4, 6, 12
// and 16 k-steps were slower than or level with 8 (8 against 12 alternated, the others not); the C
// prefetch, alternated, added 5-9 % on the wide shapes (1024^3, the decoder's 1640 x 8000 x 128,
// 4096 x 512 x 128) and nothing measurable elsewhere.
// a(r, k) is broadcast straight from memory into the FMA (one load slot, no shuffle), which is also why
// A needs no packing.
inline void micro_kernel_avx512(int64_t kc, const float* a, int64_t a_row_stride, int64_t a_k_stride, const float* b,
                                float* C, int64_t ldc, int64_t m, int64_t n, float alpha, bool first_k_block,
                                float beta) {
  constexpr int64_t kPrefetchFloats = 8 * NR;
  if (!first_k_block || beta != 0.f) {
    for (int64_t r = 0; r < m; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(C + r * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(C + r * ldc + 16), _MM_HINT_T0);
    }
  }
  __m512 acc[MR][2];
  for (int64_t r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; ++k) {
    _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchFloats), _MM_HINT_T0);
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 8  // MR
    for (int64_t r = 0; r < MR; ++r) {
      const __m512 ar = _mm512_set1_ps(a[r * a_row_stride]);
      acc[r][0] = _mm512_fmadd_ps(ar, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(ar, b1, acc[r][1]);
    }
    a += a_k_stride;
    b += NR;
  }
  gemm_store::store_zmm_tile(acc, C, ldc, m, n, alpha, first_k_block, beta);
}
#endif

// The kernel gemm() uses: the intrinsics one where the build targets AVX-512.
#ifdef __AVX512F__
inline constexpr MicroKernel kFastestMicroKernel = micro_kernel_avx512;
inline constexpr const char* kFastestMicroKernelName = "avx512";
#else
inline constexpr MicroKernel kFastestMicroKernel = micro_kernel_portable;
inline constexpr const char* kFastestMicroKernelName = "portable";
#endif

}  // namespace ponet::cpu::gemm_detail
