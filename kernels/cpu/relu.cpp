#include "kernels/cpu/relu.h"

#include "kernels/cpu/unary.h"

namespace ponet::cpu {

void relu_forward(float* out, const float* x, int64_t n) {
  unary_map(out, x, n, [](float v) { return v > 0.f ? v : 0.f; });
}

void relu_backward(float* dx, const float* x, const float* y, const float* dout, int64_t n) {
  unary_grad_map(dx, x, y, dout, n, [](float v, float, float g) { return v > 0.f ? g : 0.f; });
}

}  // namespace ponet::cpu
