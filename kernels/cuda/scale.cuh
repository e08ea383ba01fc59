// CUDA twin of kernels/cpu/scale.h.
#pragma once
#include <cstdint>

namespace ponet::cuda {

void scale_forward(float* out, const float* in, int64_t n, float factor, float offset);

}  // namespace ponet::cuda
