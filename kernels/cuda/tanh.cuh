// CUDA twin of kernels/cpu/tanh.h.
#pragma once
#include <cstdint>

namespace ponet::cuda {

void tanh_forward(float* out, const float* x, int64_t n);
void tanh_backward(float* dx, const float* x, const float* y, const float* dout, int64_t n);

}  // namespace ponet::cuda
