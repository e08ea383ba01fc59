// CUDA twins of kernels/cpu/reduce.h (same contracts, double accumulation, deterministic order).
#pragma once
#include <cstdint>

namespace ponet::cuda {

void sum_rows(float* out, const float* in, int64_t rows, int64_t cols);
void sum_middle(float* out, const float* in, int64_t outer, int64_t mid, int64_t inner);

}  // namespace ponet::cuda
