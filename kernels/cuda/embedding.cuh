// CUDA twin of kernels/cpu/embedding.h (device pointers). The position grouping (offsets, positions)
// is built on the host by cpu::embedding_group_positions and copied to the device; backward sums each
// vocabulary row's positions in the same increasing order as the CPU kernel, so the two agree bitwise.
#pragma once
#include <cstdint>

namespace ponet::cuda {

void embedding_forward(float* out, const float* weight, const int64_t* ids, int64_t n, int64_t dim);

void embedding_backward(float* dweight, const float* grad, const int64_t* offsets, const int64_t* positions,
                        int64_t vocab, int64_t dim, int64_t padding_idx);

}  // namespace ponet::cuda
