// CUDA twin of kernels/cpu/dropout.h: the same counter-based mask, drawn on the device.
#pragma once
#include <cstdint>

namespace ponet::cuda {

void dropout_apply(float* out, const float* x, int64_t n, float p, uint64_t seed);

}  // namespace ponet::cuda
