// Softmax and log-softmax over the last dim of a contiguous [rows, cols] buffer (max-subtracted, so
// large logits do not overflow). Backward needs only the output y:
//   softmax:     dx = y * (g - sum_j g_j y_j)
//   log_softmax: dx = g - exp(y) * sum_j g_j
#pragma once
#include <cstdint>

namespace ponet::cpu {

void softmax_forward(float* y, const float* x, int64_t rows, int64_t cols);
void softmax_backward(float* dx, const float* y, const float* g, int64_t rows, int64_t cols);
void log_softmax_forward(float* y, const float* x, int64_t rows, int64_t cols);
void log_softmax_backward(float* dx, const float* y, const float* g, int64_t rows, int64_t cols);

}  // namespace ponet::cpu
