// out[i] = mask[i] != 0 ? value : x[i] over contiguous buffers (the op expands a broadcast mask first).
// Backward is the same kernel with value 0 applied to the incoming gradient.
#pragma once
#include <cstdint>

namespace ponet::cpu {

void masked_fill_forward(float* out, const float* x, const int64_t* mask, int64_t n, float value);

}  // namespace ponet::cpu
