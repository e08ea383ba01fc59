// CUDA twin of kernels/cpu/cross_entropy.h (device pointers, same saved row_max / row_log_sum).
#pragma once
#include <cstdint>

namespace ponet::cuda {

void cross_entropy_forward(float* row_loss, float* row_max, float* row_log_sum, const float* logits,
                           const int64_t* targets, int64_t rows, int64_t classes, int64_t ignore_index);

void cross_entropy_backward(float* dlogits, const float* grad_loss, const float* logits, const float* row_max,
                            const float* row_log_sum, const int64_t* targets, int64_t rows, int64_t classes,
                            int64_t ignore_index, float inv_count);

}  // namespace ponet::cuda
