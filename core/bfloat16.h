// bfloat16: the top 16 bits of an IEEE float32 (sign, 8 exponent bits, 7 mantissa bits), stored as uint16_t. Only
// storage and conversion live here; no arithmetic is done in bf16 (the bf16 GEMM, kernels/cpu/gemm_bf16.h, multiplies
// bf16 values exactly and accumulates in fp32).
//   float_to_bf16  round to nearest, ties to even; NaN stays NaN (quiet, sign kept); values that round past the
//                  largest bf16 (about 3.39e38) become +-Inf; denormals round like any value
//   bf16_to_float  exact (a bf16 is a float32 with 16 zero low bits)
#pragma once
#include <cstdint>
#include <cstring>

namespace ponet {

inline uint16_t float_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  // Adding 0x7fff plus the kept part's lowest bit rounds half to even; a carry into the exponent is the correct result
  // (including rounding up to Inf). A NaN keeps its sign and top payload bits, made quiet so that truncation cannot
  // turn it into Inf. Both are computed and one selected, so loops over this function vectorise (the GEMM's packing
  // converts every input element).
  const uint32_t rounded = u + 0x7fffu + ((u >> 16) & 1u);
  const uint32_t quiet_nan = u | 0x00400000u;
  return static_cast<uint16_t>(((u & 0x7fffffffu) > 0x7f800000u ? quiet_nan : rounded) >> 16);
}

inline float bf16_to_float(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// f rounded to the nearest bf16 and back: the value a bf16 GEMM multiplies.
inline float round_to_bf16(float f) { return bf16_to_float(float_to_bf16(f)); }

}  // namespace ponet
