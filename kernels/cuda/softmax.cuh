// CUDA twin of kernels/cpu/softmax.h.
#pragma once
#include <cstdint>

namespace ponet::cuda {

void softmax_forward(float* y, const float* x, int64_t rows, int64_t cols);
void softmax_backward(float* dx, const float* y, const float* g, int64_t rows, int64_t cols);
void log_softmax_forward(float* y, const float* x, int64_t rows, int64_t cols);
void log_softmax_backward(float* dx, const float* y, const float* g, int64_t rows, int64_t cols);

}  // namespace ponet::cuda
