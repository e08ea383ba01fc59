// out[i] = in[i] * factor + offset (contiguous). Serves scale(), add_scalar() and their backward.
#pragma once
#include <cstdint>

namespace ponet::cpu {

void scale_forward(float* out, const float* in, int64_t n, float factor, float offset);

}  // namespace ponet::cpu
