// The bf16 GEMM's packed panels and micro-kernels (kernels/cpu/gemm_bf16.h), for kernels/cpu/gemm_bf16.cpp.
//
// Packed layout: pairs of consecutive k are interleaved, one uint32 per pair (low half the even k's bf16, high half the
// odd k's; an odd kc is padded with a zero), which is the operand layout of vdpbf16ps: fp32 lane c += a.lo * b.lo +
// a.hi * b.hi.
//   A sliver: MR rows x kp pairs, pair (r, p) at a[r * a_row_stride + p * a_pair_stride] (a plain A is packed row by
//             row, stride (kp, 1); a transposed one pair by pair, stride (1, MR))
//   B sliver: kp x NR pairs, pair (p, c) at b[p * NR + c]
// A tile of C of MR x NR (8 x 32: 16 zmm accumulators) is kept in registers.
#pragma once
#include <cstdint>

#include "core/bfloat16.h"
#include "kernels/cpu/gemm_store.h"

namespace ponet::cpu::gemm_bf16_detail {

constexpr int64_t MR = 8;
constexpr int64_t NR = 32;

using MicroKernel = void (*)(int64_t kp, const uint32_t* a, int64_t a_row_stride, int64_t a_pair_stride,
                             const uint32_t* b, float* C, int64_t ldc, int64_t m, int64_t n, float alpha,
                             bool first_k_block, float beta);

// Two k's of one row or column as a packed pair.
inline uint32_t bf16_pair(float even_k, float odd_k) {
  return static_cast<uint32_t>(float_to_bf16(even_k)) | static_cast<uint32_t>(float_to_bf16(odd_k)) << 16;
}
inline float pair_low(uint32_t p) { return bf16_to_float(static_cast<uint16_t>(p & 0xffffu)); }
inline float pair_high(uint32_t p) { return bf16_to_float(static_cast<uint16_t>(p >> 16)); }

using gemm_store::store_tile;

// Plain loops over the packed pairs: each bf16 product is exact in fp32 and added in fp32.
inline void micro_kernel_portable(int64_t kp, const uint32_t* a, int64_t a_row_stride, int64_t a_pair_stride,
                                  const uint32_t* b, float* C, int64_t ldc, int64_t m, int64_t n, float alpha,
                                  bool first_k_block, float beta) {
  float acc[MR][NR] = {};
  float b_lo[NR], b_hi[NR];
  for (int64_t p = 0; p < kp; ++p) {
    for (int64_t c = 0; c < NR; ++c) {
      b_lo[c] = pair_low(b[p * NR + c]);
      b_hi[c] = pair_high(b[p * NR + c]);
    }
    for (int64_t r = 0; r < MR; ++r) {
      const uint32_t ap = a[r * a_row_stride + p * a_pair_stride];
      const float a_lo = pair_low(ap), a_hi = pair_high(ap);
      for (int64_t c = 0; c < NR; ++c) acc[r][c] += a_lo * b_lo[c] + a_hi * b_hi[c];
    }
  }
  store_tile(acc, C, ldc, m, n, alpha, first_k_block, beta);
}

// The vdpbf16ps kernel (kernels/cpu/gemm_bf16_avx512.cpp); call only where cpu_has_avx512_bf16().
void micro_kernel_avx512bf16(int64_t kp, const uint32_t* a, int64_t a_row_stride, int64_t a_pair_stride,
                             const uint32_t* b, float* C, int64_t ldc, int64_t m, int64_t n, float alpha,
                             bool first_k_block, float beta);
// The same products with AVX-512F FMAs: each bf16 of a pair widened to fp32 by a shift or a mask (exact), two FMAs
// per pair (kernels/cpu/gemm_bf16_avx512.cpp); call only where the CPU has AVX-512F.
void micro_kernel_avx512fma(int64_t kp, const uint32_t* a, int64_t a_row_stride, int64_t a_pair_stride,
                            const uint32_t* b, float* C, int64_t ldc, int64_t m, int64_t n, float alpha,
                            bool first_k_block, float beta);
// Whether this build has those two kernels at all (x86-64 with a compiler that knows the instructions).
bool have_avx512bf16_kernel();

}  // namespace ponet::cpu::gemm_bf16_detail
