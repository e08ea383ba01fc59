// exp and erf written with plain arithmetic only, so loops over them vectorise (libm's expf and erff
// are scalar calls: they were most of the time of the softmax in attention and of the GELU kernels).
//   exp_nonpositive: exp for x <= 0, the only arguments its callers have (a score minus its row max,
//     -x^2); described at the function.
//   erf_vectorizable: the Taylor series for |x| < 0.75; above, Abramowitz & Stegun 7.1.26,
//     erf(x) = 1 - t (a1 + t (a2 + ...)) e^(-x^2) with t = 1 / (1 + p |x|), odd in x. Both are always
//     computed and one is selected, so the loop stays branch-free. Measured on a 1e-4 grid over
//     [-10, 10]: absolute error at most 2.3e-7 (tests/test_vector_math.cpp).
// The GELU formula (kernels/activation_formulas.h) uses both on the CPU; tests/test_vector_math.cpp checks
// it against double-precision GELU on a dense grid.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace ponet::cpu {

// exp(x) for x <= 0, in a form the compiler vectorises (std::exp is a libm call per element, which
// dominated the softmax): x = n ln2 + r with |r| <= ln2 / 2, exp(r) by its degree-6 Taylor polynomial,
// times 2^n put into the exponent bits; relative error at most 2.3e-7 (about 2 ulp, checked over
// [-86.4, 0]). Below -86.5 (where 2^n would leave the normal range) it returns 0, so a -inf score (a
// padded key) gives exactly 0.
inline float exp_nonpositive(float x) {
  const bool underflow = !(x >= -86.5f);
  x = underflow ? -86.5f : x;
  const float n = std::nearbyint(x * 1.44269504f);
  const float r = (x - n * 0.693145752f) - n * 1.42860677e-6f;  // ln2 split in two: r exact to float
  float e = 1.f / 720;
  e = e * r + 1.f / 120;
  e = e * r + 1.f / 24;
  e = e * r + 1.f / 6;
  e = e * r + 0.5f;
  e = e * r + 1.f;
  e = e * r + 1.f;
  int32_t bits;
  std::memcpy(&bits, &e, sizeof bits);
  bits += static_cast<int32_t>(n) * (1 << 23);
  std::memcpy(&e, &bits, sizeof e);
  return underflow ? 0.f : e;
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
  const float e = 1.f - poly * t * exp_nonpositive(-a * a);
  return a < 0.75f ? small : (x < 0.f ? -e : e);
}

}  // namespace ponet::cpu
