// GELU, exact erf form: gelu(x) = 0.5 x (1 + erf(x / sqrt 2)); gelu'(x) = Phi(x) + x phi(x).
#include "autograd/ops/unary.h"
#include "kernels/cpu/gelu.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/gelu.cuh"
#endif

namespace ponet {

Tensor gelu(const Tensor& x) {
#ifdef PONET_WITH_CUDA
  static const detail::UnaryKernels kernels{cpu::gelu_forward, cuda::gelu_forward, cpu::gelu_backward,
                                            cuda::gelu_backward};
#else
  static const detail::UnaryKernels kernels{cpu::gelu_forward, nullptr, cpu::gelu_backward, nullptr};
#endif
  return detail::unary_op("gelu", x, kernels);
}

}  // namespace ponet
