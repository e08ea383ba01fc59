// ReLU: max(x, 0); the gradient at 0 is taken as 0.
#include "autograd/ops/unary.h"
#include "kernels/cpu/relu.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/relu.cuh"
#endif

namespace ponet {

Tensor relu(const Tensor& x) {
#ifdef PONET_WITH_CUDA
  static const detail::UnaryKernels kernels{cpu::relu_forward, cuda::relu_forward, cpu::relu_backward,
                                            cuda::relu_backward};
#else
  static const detail::UnaryKernels kernels{cpu::relu_forward, nullptr, cpu::relu_backward, nullptr};
#endif
  return detail::unary_op("relu", x, kernels);
}

}  // namespace ponet
