// The bf16 GEMM's vdpbf16ps micro-kernel (contract: kernels/cpu/gemm_bf16_micro_kernel.h). Only the functions here are
// compiled for AVX-512 + AVX512_BF16 (a target attribute, not a file-wide -m flag, so no inline function of a shared
// header is emitted with those instructions and picked by the linker for other files); kernels/cpu/gemm_bf16.cpp calls
// it only after CPUID said the CPU has the instruction. Tested against the portable kernel and gemm_bf16_reference by
// tests/test_gemm_bf16.cpp.
#include "kernels/cpu/gemm_bf16_micro_kernel.h"

#ifdef PONET_HAVE_ZMM_TILE_STORE  // (x86-64 and a compiler that knows AVX512_BF16: kernels/cpu/gemm_store.h)
#define PONET_HAVE_AVX512BF16_KERNEL 1
#endif

namespace ponet::cpu::gemm_bf16_detail {

#ifdef PONET_HAVE_AVX512BF16_KERNEL

bool have_avx512bf16_kernel() { return true; }

// Per pair of k: two B vectors (32 columns, each lane a bf16 pair) and, per row, the row's pair broadcast to all lanes;
// vdpbf16ps adds both products to the fp32 accumulator. B is prefetched 8 pairs (1 KiB) ahead, as the fp32 kernel does
// (kernels/cpu/gemm_micro_kernel.h says why).
__attribute__((target("avx512f,avx512bf16"))) void micro_kernel_avx512bf16(int64_t kp, const uint32_t* a,
                                                                           int64_t a_row_stride, int64_t a_pair_stride,
                                                                           const uint32_t* b, float* C, int64_t ldc,
                                                                           int64_t m, int64_t n, float alpha,
                                                                           bool first_k_block, float beta) {
  constexpr int64_t kPrefetchPairs = 8 * NR;
  __m512 acc[MR][2];
  for (int64_t r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
#pragma GCC unroll 2
  for (int64_t p = 0; p < kp; ++p) {
    _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchPairs), _MM_HINT_T0);
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b), b1 = (__m512bh)_mm512_loadu_si512(b + 16);
#pragma GCC unroll 8  // MR
    for (int64_t r = 0; r < MR; ++r) {
      const __m512bh ar = (__m512bh)_mm512_set1_epi32(static_cast<int>(a[r * a_row_stride]));
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], ar, b0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], ar, b1);
    }
    a += a_pair_stride;
    b += NR;
  }
  gemm_store::store_zmm_tile(acc, C, ldc, m, n, alpha, first_k_block, beta);
}

// The vdpbf16ps loop with FMAs: per pair, the B vectors' low halves shifted up and their high halves masked are the
// even and odd k's fp32 values (exact), likewise the row's pair; four FMAs per row instead of two dot products. On
// CPUs where vdpbf16ps has half the FMA rate (bench_gemm prints both peaks) this is the faster of the two.
__attribute__((target("avx512f"))) void micro_kernel_avx512fma(int64_t kp, const uint32_t* a, int64_t a_row_stride,
                                                               int64_t a_pair_stride, const uint32_t* b, float* C,
                                                               int64_t ldc, int64_t m, int64_t n, float alpha,
                                                               bool first_k_block, float beta) {
  constexpr int64_t kPrefetchPairs = 8 * NR;
  const __m512i high_mask = _mm512_set1_epi32(static_cast<int>(0xffff0000u));
  __m512 acc[MR][2];
  for (int64_t r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kp; ++p) {
    _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchPairs), _MM_HINT_T0);
    const __m512i p0 = _mm512_loadu_si512(b), p1 = _mm512_loadu_si512(b + 16);
    // (maskz with all lanes: the plain shift trips a false -Wmaybe-uninitialized in GCC 12's header)
    const __m512 even0 = _mm512_castsi512_ps(_mm512_maskz_slli_epi32(0xffff, p0, 16));
    const __m512 odd0 = _mm512_castsi512_ps(_mm512_and_si512(p0, high_mask));
    const __m512 even1 = _mm512_castsi512_ps(_mm512_maskz_slli_epi32(0xffff, p1, 16));
    const __m512 odd1 = _mm512_castsi512_ps(_mm512_and_si512(p1, high_mask));
#pragma GCC unroll 8  // MR
    for (int64_t r = 0; r < MR; ++r) {
      const uint32_t pair = a[r * a_row_stride];
      const __m512 ae = _mm512_set1_ps(pair_low(pair)), ao = _mm512_set1_ps(pair_high(pair));
      acc[r][0] = _mm512_fmadd_ps(ao, odd0, _mm512_fmadd_ps(ae, even0, acc[r][0]));
      acc[r][1] = _mm512_fmadd_ps(ao, odd1, _mm512_fmadd_ps(ae, even1, acc[r][1]));
    }
    a += a_pair_stride;
    b += NR;
  }
  gemm_store::store_zmm_tile(acc, C, ldc, m, n, alpha, first_k_block, beta);
}

#else

bool have_avx512bf16_kernel() { return false; }

void micro_kernel_avx512bf16(int64_t kp, const uint32_t* a, int64_t a_row_stride, int64_t a_pair_stride,
                             const uint32_t* b, float* C, int64_t ldc, int64_t m, int64_t n, float alpha,
                             bool first_k_block, float beta) {
  // never chosen in such a build (have_avx512bf16_kernel); kept so the program links
  micro_kernel_portable(kp, a, a_row_stride, a_pair_stride, b, C, ldc, m, n, alpha, first_k_block, beta);
}

void micro_kernel_avx512fma(int64_t kp, const uint32_t* a, int64_t a_row_stride, int64_t a_pair_stride,
                            const uint32_t* b, float* C, int64_t ldc, int64_t m, int64_t n, float alpha,
                            bool first_k_block, float beta) {
  micro_kernel_portable(kp, a, a_row_stride, a_pair_stride, b, C, ldc, m, n, alpha, first_k_block, beta);
}

#endif

}  // namespace ponet::cpu::gemm_bf16_detail
