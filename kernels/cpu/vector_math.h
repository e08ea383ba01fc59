// exp and erf written with plain arithmetic only, so loops over them vectorise (libm's expf and erff
// are scalar calls: in the GELU kernels they were most of the time). Both are for float inputs:
//   exp_vectorizable: range reduction x = n ln2 + r, |r| <= ln2 / 2, then a degree-7 Taylor polynomial
//     (truncation below 5e-9 relative) scaled by 2^n built in the exponent bits; inputs are clamped to
//     [-87, 88], so the result is never inf, NaN or denormal (e^-87 ~ 1.6e-38 stands for anything smaller).
//   erf_vectorizable: the Taylor series for |x| < 0.75; above, Abramowitz & Stegun 7.1.26,
//     erf(x) = 1 - t (a1 + t (a2 + ...)) e^(-x^2) with t = 1 / (1 + p |x|), odd in x. Both are always
//     computed and one is selected, so the loop stays branch-free. Measured on a 1e-4 grid over
//     [-10, 10]: absolute error at most 2.3e-7 (tests/test_vector_math.cpp); exp: 9.4e-8 relative.
// The GELU kernels keep their std::erf versions beside them as the reference (kernels/cpu/gelu.h).
#pragma once
#include <cstdint>
#include <cstring>

namespace ponet::cpu {

inline float exp_vectorizable(float x) {
  x = x < -87.f ? -87.f : (x > 88.f ? 88.f : x);
  // n = round(x / ln 2) by the 1.5 * 2^23 trick (exact for |x / ln 2| < 2^22; floorf would not vectorise)
  const float n = (x * 1.44269504088896341f + 12582912.f) - 12582912.f;
  const float r = (x - n * 0.693145751953125f) - n * 1.42860682030941723212e-6f;  // ln 2 in two parts
  float p = 1.f / 5040.f;
  p = p * r + 1.f / 720.f;
  p = p * r + 1.f / 120.f;
  p = p * r + 1.f / 24.f;
  p = p * r + 1.f / 6.f;
  p = p * r + 0.5f;
  p = p * r + 1.f;
  p = p * r + 1.f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

inline float erf_vectorizable(float x) {
  const float a = x < 0.f ? -x : x;
  // Small |x|: the Taylor series of erf (odd; 8 terms, truncation below 2e-9 for |x| < 0.75), where
  // 1 - (a value near 1) below would cancel.
  const float x2 = x * x;
  float s = -1.f / 75600.f;
  s = s * x2 + 1.f / 9360.f;
  s = s * x2 - 1.f / 1320.f;
  s = s * x2 + 1.f / 216.f;
  s = s * x2 - 1.f / 42.f;
  s = s * x2 + 1.f / 10.f;
  s = s * x2 - 1.f / 3.f;
  s = s * x2 + 1.f;
  const float small = 1.12837916709551257f * x * s;
  const float t = 1.f / (1.f + 0.3275911f * a);
  float poly = 1.061405429f;
  poly = poly * t - 1.453152027f;
  poly = poly * t + 1.421413741f;
  poly = poly * t - 0.284496736f;
  poly = poly * t + 0.254829592f;
  const float e = 1.f - poly * t * exp_vectorizable(-a * a);
  return a < 0.75f ? small : (x < 0.f ? -e : e);
}

}  // namespace ponet::cpu
