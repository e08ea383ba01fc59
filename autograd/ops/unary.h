// The shared shape of the elementwise activations (gelu, tanh, relu): contiguous input, one forward
// kernel, one backward kernel that gets x, y = f(x) and dy. Each op's file names its kernels.
#pragma once
#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"

namespace ponet::detail {

using UnaryForward = void (*)(float* out, const float* x, int64_t n);
using UnaryBackward = void (*)(float* dx, const float* x, const float* y, const float* dy, int64_t n);

struct UnaryKernels {
  UnaryForward cpu_forward, cuda_forward;  // cuda_* are nullptr in a build without CUDA
  UnaryBackward cpu_backward, cuda_backward;
};

inline Tensor unary_op(const char* name, const Tensor& x_in, const UnaryKernels& k) {
  check_dtype(x_in, DType::F32, name, "x");
  Tensor x = contiguous(x_in.detach());
  Tensor out = Tensor::empty(x.shape(), DType::F32, x.device());
  const int64_t n = x.numel();
  if (x.device().is_cuda()) {
    PONET_ON_CUDA(k.cuda_forward(out.data<float>(), x.data<float>(), n));
  } else {
    k.cpu_forward(out.data<float>(), x.data<float>(), n);
  }
  Tensor y = out.detach();  // saved for backward (tanh's derivative is written with y)
  return autograd::record(name, out, {x_in}, [x, y, n, k](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    Tensor dx = Tensor::empty(x.shape(), DType::F32, g.device());
    if (g.device().is_cuda()) {
      PONET_ON_CUDA(k.cuda_backward(dx.data<float>(), x.data<float>(), y.data<float>(), g.data<float>(), n));
    } else {
      k.cpu_backward(dx.data<float>(), x.data<float>(), y.data<float>(), g.data<float>(), n);
    }
    return std::vector<Tensor>{dx};
  });
}

}  // namespace ponet::detail
