// tanh; its derivative is written with the output: 1 - y^2.
#include "autograd/ops/unary.h"
#include "kernels/cpu/tanh.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/tanh.cuh"
#endif

namespace ponet {

Tensor tanh(const Tensor& x) {
#ifdef PONET_WITH_CUDA
  static const detail::UnaryKernels kernels{cpu::tanh_forward, cuda::tanh_forward, cpu::tanh_backward,
                                            cuda::tanh_backward};
#else
  static const detail::UnaryKernels kernels{cpu::tanh_forward, nullptr, cpu::tanh_backward, nullptr};
#endif
  return detail::unary_op("tanh", x, kernels);
}

}  // namespace ponet
