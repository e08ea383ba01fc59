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

// GELU's plain versions with std::erf and std::exp, which do not vectorise: the reference that the
// branch-free GELU above is tested against (tests/test_vector_math.cpp) and can be timed beside.
void gelu_forward_reference(float* out, const float* x, int64_t n);
void gelu_backward_reference(float* dx, const float* x, const float* dy, int64_t n);

}  // namespace ponet::cpu
