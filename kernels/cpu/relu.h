// ReLU: max(x, 0); the gradient at 0 is taken as 0.
// Forward: out[i] = f(x[i]). Backward: dx[i] = f'(x[i]) * dout[i] (needs x; y = out is passed too).
#pragma once
#include <cstdint>

namespace ponet::cpu {

void relu_forward(float* out, const float* x, int64_t n);
void relu_backward(float* dx, const float* x, const float* y, const float* dout, int64_t n);

}  // namespace ponet::cpu
