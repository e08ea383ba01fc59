// The elementwise activations: one autograd op per line of PONET_ACTIVATIONS
// (kernels/activation_formulas.h), all of the same shape. Forward out = f(x); backward dx = f'(x) dy,
// which may read x or y = f(x) (tanh's derivative is written with y), so both are kept.
#include <string>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"
#include "kernels/activation_formulas.h"
#include "kernels/cpu/activations.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/activations.cuh"
#endif

namespace ponet {

namespace {

// `name` is a string literal (the op's name), so the closure may keep the pointer.
template <class F>
Tensor activation_op(const char* name, const Tensor& x_in) {
  check_dtype(x_in, DType::F32, name, "x");
  Tensor x = contiguous(x_in.detach());
  Tensor out = Tensor::empty(x.shape(), DType::F32, x.device());
  const int64_t n = x.numel();
  PONET_KERNEL(x.device(), std::string(name) + "_forward", profiler::elementwise_cost(n, 1, 1, F::forward_flops),
               cpu::activation_forward<F>(out.data<float>(), x.data<float>(), n),
               cuda::activation_forward<F>(out.data<float>(), x.data<float>(), n));
  Tensor y = out.detach();  // saved for backward
  return autograd::record(name, out, {x_in}, [name, x, y, n](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    Tensor dx = Tensor::empty(x.shape(), DType::F32, g.device());
    // Each backward reads one of x and y (whichever its derivative is written with) and dy.
    PONET_KERNEL(g.device(), std::string(name) + "_backward", profiler::elementwise_cost(n, 2, 1, F::backward_flops),
                 cpu::activation_backward<F>(dx.data<float>(), x.data<float>(), y.data<float>(), g.data<float>(), n),
                 cuda::activation_backward<F>(dx.data<float>(), x.data<float>(), y.data<float>(), g.data<float>(), n));
    return std::vector<Tensor>{dx};
  });
}

}  // namespace

#define PONET_DEFINE_ACTIVATION(name, Formula) \
  Tensor name(const Tensor& x) { return activation_op<activation::Formula>(#name, x); }
PONET_ACTIVATIONS(PONET_DEFINE_ACTIVATION)
#undef PONET_DEFINE_ACTIVATION

}  // namespace ponet
