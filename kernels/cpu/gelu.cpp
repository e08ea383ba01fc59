#include "kernels/cpu/gelu.h"

#include <cmath>

#include "kernels/cpu/unary.h"

namespace ponet::cpu {

void gelu_forward(float* out, const float* x, int64_t n) {
  unary_map(out, x, n, [](float v) { return 0.5f * v * (1.f + std::erf(v * 0.70710678118654752f)); });
}

// d/dx [x Phi(x)] = Phi(x) + x phi(x)
void gelu_backward(float* dx, const float* x, const float* y, const float* dout, int64_t n) {
  unary_grad_map(dx, x, y, dout, n, [](float v, float, float g) {
    return g * (0.5f * (1.f + std::erf(v * 0.70710678118654752f)) + v * 0.39894228040143268f * std::exp(-0.5f * v * v));
  });
}

}  // namespace ponet::cpu
