// CUDA twin of kernels/cpu/prefix_max.h (same layouts, same winners).
#pragma once
#include <cstdint>

namespace ponet::cuda {

void prefix_max_forward(float* out, int64_t* arg, const float* x, int64_t B, int64_t L, int64_t C,
                        int64_t segment_length, int64_t window);
void prefix_max_backward(float* dx, const float* dout, const int64_t* arg, int64_t B, int64_t L, int64_t C);

}  // namespace ponet::cuda
