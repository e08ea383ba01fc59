// The STREAM triad on the GPU, same contract as kernels/cpu/triad.h (device pointers).
#pragma once
#include <cstdint>

namespace ponet::cuda {

void triad(float* a, const float* b, const float* c, float s, int64_t n);

}  // namespace ponet::cuda
