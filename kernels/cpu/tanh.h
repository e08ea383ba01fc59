// tanh; its derivative is written with the output: 1 - y^2.
// Forward: out[i] = f(x[i]). Backward: dx[i] = f'(x[i]) * dout[i] (needs x; y = out is passed too).
#pragma once
#include <cstdint>

namespace ponet::cpu {

void tanh_forward(float* out, const float* x, int64_t n);
void tanh_backward(float* dx, const float* x, const float* y, const float* dout, int64_t n);

}  // namespace ponet::cpu
