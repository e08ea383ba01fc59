// GELU (exact erf form) forward and backward over n contiguous floats (kernels/cpu/gelu.h). Reference:
// gelu_forward_reference / gelu_backward_reference (std::erf) in this file. Tested by tests/ops_table/
// (rows "gelu": build/test_ops value --filter gelu) and tests/test_activations.cpp; timed by
// bench/bench_kernels.cpp.
#include "kernels/cpu/gelu.h"

#include <cmath>

#include "kernels/cpu/unary.h"
#include "kernels/cpu/vector_math.h"

namespace ponet::cpu {

namespace {
constexpr float kInvSqrt2 = 0.70710678118654752f, kInvSqrt2Pi = 0.39894228040143268f;
}  // namespace

void gelu_forward(float* out, const float* x, int64_t n) {
  unary_map(out, x, n, [](float v) { return 0.5f * v * (1.f + erf_vectorizable(v * kInvSqrt2)); });
}

// d/dx [x Phi(x)] = Phi(x) + x phi(x)
void gelu_backward(float* dx, const float* x, const float* y, const float* dout, int64_t n) {
  unary_grad_map(dx, x, y, dout, n, [](float v, float, float g) {
    return g * (0.5f * (1.f + erf_vectorizable(v * kInvSqrt2)) + v * kInvSqrt2Pi * exp_nonpositive(-0.5f * v * v));
  });
}

void gelu_forward_reference(float* out, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = 0.5f * x[i] * (1.f + std::erf(x[i] * kInvSqrt2));
}

void gelu_backward_reference(float* dx, const float* x, const float* dout, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    dx[i] = dout[i] * (0.5f * (1.f + std::erf(v * kInvSqrt2)) + v * kInvSqrt2Pi * std::exp(-0.5f * v * v));
  }
}

}  // namespace ponet::cpu
