// The shared shape of the elementwise activations (gelu, tanh, relu): contiguous input, one forward
// kernel, one backward kernel that gets x, y = f(x) and dy. Each op's file names its kernels.
#pragma once
#include <string>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"

namespace ponet::detail {

using UnaryForward = void (*)(float* out, const float* x, int64_t n);
using UnaryBackward = void (*)(float* dx, const float* x, const float* y, const float* dy, int64_t n);

struct UnaryKernels {
  UnaryForward cpu_forward, cuda_forward;  // cuda_* are nullptr in a build without CUDA
  UnaryBackward cpu_backward, cuda_backward;
  int64_t forward_flops, backward_flops;  // per element, for the profiler (core/profiler.h)
};

inline Tensor unary_op(const char* name, const Tensor& x_in, const UnaryKernels& k) {
  check_dtype(x_in, DType::F32, name, "x");
  Tensor x = contiguous(x_in.detach());
  Tensor out = Tensor::empty(x.shape(), DType::F32, x.device());
  const int64_t n = x.numel();
  PONET_KERNEL(x.device(), std::string(name) + "_forward", profiler::elementwise_cost(n, 1, 1, k.forward_flops),
               k.cpu_forward(out.data<float>(), x.data<float>(), n),
               k.cuda_forward(out.data<float>(), x.data<float>(), n));
  Tensor y = out.detach();  // saved for backward (tanh's derivative is written with y)
  return autograd::record(name, out, {x_in}, [name, x, y, n, k](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    Tensor dx = Tensor::empty(x.shape(), DType::F32, g.device());
    // Each backward reads one of x and y (whichever its derivative is written with) and dy.
    PONET_KERNEL(g.device(), std::string(name) + "_backward", profiler::elementwise_cost(n, 2, 1, k.backward_flops),
                 k.cpu_backward(dx.data<float>(), x.data<float>(), y.data<float>(), g.data<float>(), n),
                 k.cuda_backward(dx.data<float>(), x.data<float>(), y.data<float>(), g.data<float>(), n));
    return std::vector<Tensor>{dx};
  });
}

}  // namespace ponet::detail
