// CUDA twin of kernels/cpu/masked_fill.h.
#pragma once
#include <cstdint>

namespace ponet::cuda {

void masked_fill_forward(float* out, const float* x, const int64_t* mask, int64_t n, float value);

}  // namespace ponet::cuda
