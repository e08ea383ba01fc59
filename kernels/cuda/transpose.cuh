// CUDA twin of kernels/cpu/transpose.h (shared-memory tiles, padded against bank conflicts).
#pragma once
#include <cstdint>

namespace ponet::cuda {

void transpose_copy(float* out, const float* in, int64_t batches, int64_t rows, int64_t cols);

}  // namespace ponet::cuda
