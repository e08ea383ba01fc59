// CUDA twin of kernels/cpu/gelu.h.
#pragma once
#include <cstdint>

namespace ponet::cuda {

void gelu_forward(float* out, const float* x, int64_t n);
void gelu_backward(float* dx, const float* x, const float* y, const float* dout, int64_t n);

}  // namespace ponet::cuda
