// The elementwise activations on the CPU, for every formula F of kernels/activation_formulas.h:
//   activation_forward<F>:   out[i] = F::forward(x[i])
//   activation_backward<F>:  dx[i] = F::backward(x[i], y[i], dy[i]), y = the forward's output
// over n contiguous floats. Instantiated for the formulas in PONET_ACTIVATIONS (kernels/cpu/activations.cpp).
// Tested by tests/ops_table/ (rows "gelu", "tanh", "relu": build/test_ops value --filter gelu), timed by
// build/test_ops perf.
#pragma once
#include <cstdint>

namespace ponet::cpu {

template <class F>
void activation_forward(float* out, const float* x, int64_t n);
template <class F>
void activation_backward(float* dx, const float* x, const float* y, const float* dy, int64_t n);

}  // namespace ponet::cpu
