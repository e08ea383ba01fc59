// CUDA twin of kernels/cpu/reduce.h: out[r] = sum of row r of a contiguous [rows, cols] buffer.
#pragma once
#include <cstdint>

namespace ponet::cuda {

void sum_rows(float* out, const float* in, int64_t rows, int64_t cols);

}  // namespace ponet::cuda
