// GELU, exact erf form: gelu(x) = 0.5 x (1 + erf(x / sqrt 2)); gelu'(x) = Phi(x) + x phi(x).
#include "autograd/ops/unary.h"
#include "kernels/cpu/gelu.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/gelu.cuh"
#endif

namespace ponet {

Tensor gelu(const Tensor& x) {
  // forward 5 FLOPs per element (x / sqrt 2, erf, + 1, * x, * 0.5); backward 11 (Phi 4, x phi 5, add, * dy)
#ifdef PONET_WITH_CUDA
  static const detail::UnaryKernels kernels{
      cpu::gelu_forward, cuda::gelu_forward, cpu::gelu_backward, cuda::gelu_backward, 5, 11};
#else
  static const detail::UnaryKernels kernels{cpu::gelu_forward, nullptr, cpu::gelu_backward, nullptr, 5, 11};
#endif
  return detail::unary_op("gelu", x, kernels);
}

}  // namespace ponet
