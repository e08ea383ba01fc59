// CUDA twin of kernels/cpu/activations.h: the same formulas (kernels/activation_formulas.h) over n device
// floats, one grid-stride kernel per direction. Instantiated for PONET_ACTIVATIONS in
// kernels/cuda/activations.cu.
#pragma once
#include <cstdint>

namespace ponet::cuda {

template <class F>
void activation_forward(float* out, const float* x, int64_t n);
template <class F>
void activation_backward(float* dx, const float* x, const float* y, const float* dy, int64_t n);

}  // namespace ponet::cuda
