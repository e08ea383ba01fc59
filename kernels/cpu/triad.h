// The STREAM triad a[i] = b[i] + s * c[i]: the memory-bandwidth probe of `ponet profile`
// (apps/machine_limits.h). Contiguous float arrays of n elements; OpenMP static schedule, so with
// first-touch each thread streams the same pages every run.
#pragma once
#include <cstdint>

namespace ponet::cpu {

void triad(float* a, const float* b, const float* c, float s, int64_t n);

}  // namespace ponet::cpu
