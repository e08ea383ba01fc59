// The activation kernels (kernels/cpu/activations.h): the loops of kernels/cpu/unary.h around each
// formula of kernels/activation_formulas.h. Each formula is inlined into a plain simd loop, which the
// compiler vectorises for the formulas written with kernels/cpu/vector_math.h (GELU) and the selects
// (ReLU) under -fno-trapping-math (CMakeLists.txt).
#include "kernels/cpu/activations.h"

#include <cmath>

#include "kernels/activation_formulas.h"
#include "kernels/cpu/unary.h"

namespace ponet::cpu {

template <class F>
void activation_forward(float* out, const float* x, int64_t n) {
  unary_map(out, x, n, [](float v) { return F::forward(v); });
}

template <class F>
void activation_backward(float* dx, const float* x, const float* y, const float* dy, int64_t n) {
  unary_grad_map(dx, x, y, dy, n, [](float v, float out, float g) { return F::backward(v, out, g); });
}

#define PONET_INSTANTIATE_ACTIVATION(name, Formula)                                            \
  template void activation_forward<activation::Formula>(float*, const float*, int64_t); \
  template void activation_backward<activation::Formula>(float*, const float*, const float*, const float*, int64_t);
PONET_ACTIVATIONS(PONET_INSTANTIATE_ACTIVATION)
#undef PONET_INSTANTIATE_ACTIVATION

void gelu_forward_reference(float* out, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = 0.5f * x[i] * (1.f + std::erf(x[i] * activation::Gelu::kInvSqrt2));
}

void gelu_backward_reference(float* dx, const float* x, const float* dy, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float cdf = 0.5f * (1.f + std::erf(x[i] * activation::Gelu::kInvSqrt2));
    const float pdf = activation::Gelu::kInvSqrt2Pi * std::exp(-0.5f * x[i] * x[i]);
    dx[i] = dy[i] * (cdf + x[i] * pdf);
  }
}

}  // namespace ponet::cpu
