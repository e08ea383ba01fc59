// dropout_multiply and its reference loop (kernels/cpu/dropout_multiply.h). Tested by
// tests/test_dropout.cpp (bit for bit against each other); timed by the profile of the pretraining step.
#include "kernels/cpu/dropout_multiply.h"

#include "kernels/dropout_hash.h"

#if defined(__AVX2__) && !defined(__AVX512DQ__)
#include <immintrin.h>
#define PONET_DROPOUT_AVX2 1
#endif

namespace ponet::cpu {

void dropout_multiply_reference(float* out, const float* x, int64_t n, uint64_t seed, uint64_t first,
                                float p) {
  for (int64_t j = 0; j < n; ++j) out[j] = x[j] * dropout_scale(seed, first + static_cast<uint64_t>(j), p);
}

#ifdef PONET_DROPOUT_AVX2
namespace {

// The low 64 bits of a * c in each lane: lo(a) lo(c) + ((hi(a) lo(c) + lo(a) hi(c)) << 32).
inline __m256i multiply_low64(__m256i a, uint64_t c) {
  const __m256i c_lo = _mm256_set1_epi64x(static_cast<int64_t>(c & 0xFFFFFFFFu));
  const __m256i c_hi = _mm256_set1_epi64x(static_cast<int64_t>(c >> 32));
  const __m256i cross =
      _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(a, 32), c_lo), _mm256_mul_epu32(a, c_hi));
  return _mm256_add_epi64(_mm256_mul_epu32(a, c_lo), _mm256_slli_epi64(cross, 32));
}

// dropout_uniform's 24 random bits (x >> 40) from its counter value x, per lane.
inline __m256i random_bits24(__m256i x) {
  x = multiply_low64(_mm256_xor_si256(x, _mm256_srli_epi64(x, 30)), 0xBF58476D1CE4E5B9ULL);
  x = multiply_low64(_mm256_xor_si256(x, _mm256_srli_epi64(x, 27)), 0x94D049BB133111EBULL);
  x = _mm256_xor_si256(x, _mm256_srli_epi64(x, 31));
  return _mm256_srli_epi64(x, 40);
}

}  // namespace

void dropout_multiply(float* out, const float* x, int64_t n, uint64_t seed, uint64_t first, float p) {
  constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;  // dropout_uniform's counter step
  // Eight floats a step: lanes of `even` hold the counters of elements 0, 2, 4, 6 and `odd` those of
  // 1, 3, 5, 7, so that even | odd << 32 lays the eight 24-bit draws out in element order.
  const uint64_t x0 = seed + (first + 1) * kGolden;
  __m256i even = _mm256_setr_epi64x(static_cast<int64_t>(x0), static_cast<int64_t>(x0 + 2 * kGolden),
                                    static_cast<int64_t>(x0 + 4 * kGolden), static_cast<int64_t>(x0 + 6 * kGolden));
  __m256i odd = _mm256_add_epi64(even, _mm256_set1_epi64x(static_cast<int64_t>(kGolden)));
  const __m256i step = _mm256_set1_epi64x(static_cast<int64_t>(8 * kGolden));
  const __m256 vp = _mm256_set1_ps(p), keep = _mm256_set1_ps(1.0f / (1.0f - p));
  const __m256 to_unit = _mm256_set1_ps(1.0f / 16777216.0f);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256i bits = _mm256_or_si256(random_bits24(even), _mm256_slli_epi64(random_bits24(odd), 32));
    const __m256 u = _mm256_mul_ps(_mm256_cvtepi32_ps(bits), to_unit);  // exact: 24-bit integers, 2^-24
    const __m256 scale = _mm256_andnot_ps(_mm256_cmp_ps(u, vp, _CMP_LT_OQ), keep);  // u < p: dropped, 0
    _mm256_storeu_ps(out + j, _mm256_mul_ps(_mm256_loadu_ps(x + j), scale));
    even = _mm256_add_epi64(even, step);
    odd = _mm256_add_epi64(odd, step);
  }
  dropout_multiply_reference(out + j, x + j, n - j, seed, first + static_cast<uint64_t>(j), p);
}
const char* dropout_multiply_kernel_name() { return "avx2"; }
#else
void dropout_multiply(float* out, const float* x, int64_t n, uint64_t seed, uint64_t first, float p) {
  dropout_multiply_reference(out, x, n, seed, first, p);
}
const char* dropout_multiply_kernel_name() { return "plain"; }
#endif

}  // namespace ponet::cpu
