// ReLU: max(x, 0); the gradient at 0 is taken as 0.
#include "autograd/ops/unary.h"
#include "kernels/cpu/relu.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/relu.cuh"
#endif

namespace ponet {

Tensor relu(const Tensor& x) {
  // a select: no FLOPs either way
#ifdef PONET_WITH_CUDA
  static const detail::UnaryKernels kernels{
      cpu::relu_forward, cuda::relu_forward, cpu::relu_backward, cuda::relu_backward, 0, 0};
#else
  static const detail::UnaryKernels kernels{cpu::relu_forward, nullptr, cpu::relu_backward, nullptr, 0, 0};
#endif
  return detail::unary_op("relu", x, kernels);
}

}  // namespace ponet
