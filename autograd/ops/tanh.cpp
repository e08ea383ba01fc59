// tanh; its derivative is written with the output: 1 - y^2.
#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"
#include "kernels/cpu/tanh.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/tanh.cuh"
#endif

namespace ponet {

Tensor tanh(const Tensor& x_in) {
  check_dtype(x_in, DType::F32, "tanh", "x");
  Tensor x = contiguous(x_in.detach());
  Tensor out = Tensor::empty(x.shape(), DType::F32, x.device());
  const int64_t n = x.numel();
  if (x.device().is_cuda()) {
    PONET_ON_CUDA(cuda::tanh_forward(out.data<float>(), x.data<float>(), n));
  } else {
    cpu::tanh_forward(out.data<float>(), x.data<float>(), n);
  }
  Tensor y = out.detach();
  return autograd::record("tanh", out, {x_in}, [x, y, n](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    Tensor dx = Tensor::empty(x.shape(), DType::F32, g.device());
    if (g.device().is_cuda()) {
      PONET_ON_CUDA(cuda::tanh_backward(dx.data<float>(), x.data<float>(), y.data<float>(), g.data<float>(), n));
    } else {
      cpu::tanh_backward(dx.data<float>(), x.data<float>(), y.data<float>(), g.data<float>(), n);
    }
    return std::vector<Tensor>{dx};
  });
}

}  // namespace ponet
