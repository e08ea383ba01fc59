// Inverted dropout. The keep mask is drawn on the host from the model's Rng (so CPU and CUDA runs with
// the same seed drop the same elements) as scale factors: 0 for dropped, 1/(1-p) for kept.
//   forward  out = x * mask      backward  dx = dout * mask
#pragma once
#include <cstdint>

#include "core/rng.h"

namespace ponet::cpu {

void dropout_make_mask(float* mask, int64_t n, float p, ponet::Rng& rng);
void dropout_apply(float* out, const float* x, const float* mask, int64_t n);

}  // namespace ponet::cpu
