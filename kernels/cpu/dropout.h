// Inverted dropout with counter-based masks (kernels/dropout_hash.h): element i is multiplied by
// dropout_scale(seed, i, p), 0 (dropped) or 1/(1-p) (kept). Forward and backward are the same kernel
// (out = x * scale, dx = dout * scale) and nothing is stored between them but the seed.
#pragma once
#include <cstdint>

namespace ponet::cpu {

void dropout_apply(float* out, const float* x, int64_t n, float p, uint64_t seed);

}  // namespace ponet::cpu
