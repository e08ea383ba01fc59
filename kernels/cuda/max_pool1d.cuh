// CUDA twin of kernels/cpu/max_pool1d.h.
#pragma once
#include <cstdint>

namespace ponet::cuda {

void max_pool1d_forward(float* out, int64_t* arg, const float* x, int64_t B, int64_t L, int64_t C);
void max_pool1d_backward(float* dx, const float* dout, const int64_t* arg, int64_t B, int64_t L, int64_t C);

}  // namespace ponet::cuda
