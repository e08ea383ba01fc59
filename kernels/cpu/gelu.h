// GELU, exact erf form: gelu(x) = 0.5 x (1 + erf(x / sqrt 2)); gelu'(x) = Phi(x) + x phi(x).
// Forward: out[i] = f(x[i]). Backward: dx[i] = f'(x[i]) * dout[i] (needs x; y = out is passed too).
#pragma once
#include <cstdint>

namespace ponet::cpu {

void gelu_forward(float* out, const float* x, int64_t n);
void gelu_backward(float* dx, const float* x, const float* y, const float* dout, int64_t n);

// The same formulas with libm's erf and exp (scalar calls): the reference the vectorised kernels above
// (kernels/cpu/vector_math.h) are tested and timed against.
void gelu_forward_reference(float* out, const float* x, int64_t n);
void gelu_backward_reference(float* dx, const float* x, const float* dout, int64_t n);

}  // namespace ponet::cpu
