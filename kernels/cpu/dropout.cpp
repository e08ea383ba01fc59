#include "kernels/cpu/dropout.h"

namespace ponet::cpu {

void dropout_make_mask(float* mask, int64_t n, float p, ponet::Rng& rng) {
  const float keep_scale = 1.f / (1.f - p);
  for (int64_t i = 0; i < n; ++i) mask[i] = rng.uniform() < p ? 0.f : keep_scale;  // sequential: reproducible
}

void dropout_apply(float* out, const float* x, const float* mask, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] * mask[i];
}

}  // namespace ponet::cpu
