// CUDA twin of kernels/cpu/masked_mean.h.
#pragma once
#include <cstdint>

namespace ponet::cuda {

void masked_mean_forward(float* out, const float* x, const int64_t* mask, int64_t B, int64_t L, int64_t C);
void masked_mean_backward(float* dx, const float* dout, const int64_t* mask, int64_t B, int64_t L, int64_t C);

}  // namespace ponet::cuda
