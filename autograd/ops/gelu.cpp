// GELU, exact erf form: gelu(x) = 0.5 x (1 + erf(x / sqrt 2)); gelu'(x) = Phi(x) + x phi(x).
#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"
#include "kernels/cpu/gelu.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/gelu.cuh"
#endif

namespace ponet {

Tensor gelu(const Tensor& x_in) {
  check_dtype(x_in, DType::F32, "gelu", "x");
  Tensor x = contiguous(x_in.detach());
  Tensor out = Tensor::empty(x.shape(), DType::F32, x.device());
  const int64_t n = x.numel();
  if (x.device().is_cuda()) {
    PONET_ON_CUDA(cuda::gelu_forward(out.data<float>(), x.data<float>(), n));
  } else {
    cpu::gelu_forward(out.data<float>(), x.data<float>(), n);
  }
  Tensor y = out.detach();
  return autograd::record("gelu", out, {x_in}, [x, y, n](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    Tensor dx = Tensor::empty(x.shape(), DType::F32, g.device());
    if (g.device().is_cuda()) {
      PONET_ON_CUDA(cuda::gelu_backward(dx.data<float>(), x.data<float>(), y.data<float>(), g.data<float>(), n));
    } else {
      cpu::gelu_backward(dx.data<float>(), x.data<float>(), y.data<float>(), g.data<float>(), n);
    }
    return std::vector<Tensor>{dx};
  });
}

}  // namespace ponet
