// CUDA twin of kernels/cpu/relu.h.
#pragma once
#include <cstdint>

namespace ponet::cuda {

void relu_forward(float* out, const float* x, int64_t n);
void relu_backward(float* dx, const float* x, const float* y, const float* dout, int64_t n);

}  // namespace ponet::cuda
