// tanh; its derivative is written with the output: 1 - y^2.
#include "autograd/ops/unary.h"
#include "kernels/cpu/tanh.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/tanh.cuh"
#endif

namespace ponet {

Tensor tanh(const Tensor& x) {
  // forward 1 FLOP per element (tanh); backward 3 ((1 - y^2) dy)
#ifdef PONET_WITH_CUDA
  static const detail::UnaryKernels kernels{
      cpu::tanh_forward, cuda::tanh_forward, cpu::tanh_backward, cuda::tanh_backward, 1, 3};
#else
  static const detail::UnaryKernels kernels{cpu::tanh_forward, nullptr, cpu::tanh_backward, nullptr, 1, 3};
#endif
  return detail::unary_op("tanh", x, kernels);
}

}  // namespace ponet
