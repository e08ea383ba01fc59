// tanh forward and backward (from the output) over n contiguous floats (kernels/cpu/tanh.h). No reference
// kernel beside it: the oracle is the op table's expected values, computed in double. Tested by
// tests/ops_table/ (rows "tanh": build/test_ops value --filter tanh) and tests/test_activations.cpp; no
// bench of its own.
#include "kernels/cpu/tanh.h"

#include <cmath>

#include "kernels/cpu/unary.h"

namespace ponet::cpu {

void tanh_forward(float* out, const float* x, int64_t n) {
  unary_map(out, x, n, [](float v) { return std::tanh(v); });
}

void tanh_backward(float* dx, const float* x, const float* y, const float* dout, int64_t n) {
  unary_grad_map(dx, x, y, dout, n, [](float, float out, float g) { return g * (1.f - out * out); });
}

}  // namespace ponet::cpu
