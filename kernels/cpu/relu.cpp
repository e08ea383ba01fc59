// ReLU forward and backward over n contiguous floats (kernels/cpu/relu.h). No reference kernel beside it:
// the oracle is the op table's expected values, computed in double. Tested by tests/ops_table/ (rows
// "relu": build/test_ops value --filter relu) and tests/test_activations.cpp; no bench of its own.
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
