// The elementwise activations gelu, tanh and relu: one shape for all three. Each has a forward kernel
// out = f(x) and a backward kernel dx = f'(x) dy that may read x or y = f(x) (tanh's derivative is
// written with y), in kernels/cpu/<name>.{h,cpp} and kernels/cuda/<name>.{cuh,cu}. An activation is one
// line of the table below: its name, its kernels and its FLOPs per element (for the profiler).
#include <string>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"
#include "kernels/cpu/gelu.h"
#include "kernels/cpu/relu.h"
#include "kernels/cpu/tanh.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/gelu.cuh"
#include "kernels/cuda/relu.cuh"
#include "kernels/cuda/tanh.cuh"
#endif

namespace ponet {

namespace {

using Forward = void (*)(float* out, const float* x, int64_t n);
using Backward = void (*)(float* dx, const float* x, const float* y, const float* dy, int64_t n);

struct Activation {
  const char* name;
  Forward cpu_forward, cuda_forward;  // cuda_* are nullptr in a build without CUDA
  Backward cpu_backward, cuda_backward;
  int64_t forward_flops, backward_flops;  // per element
};

#ifdef PONET_WITH_CUDA
#define PONET_ACTIVATION(name, fwd_flops, bwd_flops) \
  Activation { #name, cpu::name##_forward, cuda::name##_forward, cpu::name##_backward, cuda::name##_backward, fwd_flops, bwd_flops }
#else
#define PONET_ACTIVATION(name, fwd_flops, bwd_flops) \
  Activation { #name, cpu::name##_forward, nullptr, cpu::name##_backward, nullptr, fwd_flops, bwd_flops }
#endif

// gelu, exact erf form 0.5 x (1 + erf(x / sqrt 2)): forward 5 FLOPs (x / sqrt 2, erf, + 1, * x, * 0.5),
//   backward 11 (Phi 4, x phi 5, add, * dy)
// tanh: forward 1, backward 3 ((1 - y^2) dy)
// relu max(x, 0), gradient 0 at 0: a select, no FLOPs
const Activation kGelu = PONET_ACTIVATION(gelu, 5, 11);
const Activation kTanh = PONET_ACTIVATION(tanh, 1, 3);
const Activation kRelu = PONET_ACTIVATION(relu, 0, 0);

Tensor activation(const Activation& k, const Tensor& x_in) {
  check_dtype(x_in, DType::F32, k.name, "x");
  Tensor x = contiguous(x_in.detach());
  Tensor out = Tensor::empty(x.shape(), DType::F32, x.device());
  const int64_t n = x.numel();
  PONET_KERNEL(x.device(), std::string(k.name) + "_forward", profiler::elementwise_cost(n, 1, 1, k.forward_flops),
               k.cpu_forward(out.data<float>(), x.data<float>(), n),
               k.cuda_forward(out.data<float>(), x.data<float>(), n));
  Tensor y = out.detach();  // saved for backward
  return autograd::record(k.name, out, {x_in}, [&k, x, y, n](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    Tensor dx = Tensor::empty(x.shape(), DType::F32, g.device());
    // Each backward reads one of x and y (whichever its derivative is written with) and dy.
    PONET_KERNEL(g.device(), std::string(k.name) + "_backward", profiler::elementwise_cost(n, 2, 1, k.backward_flops),
                 k.cpu_backward(dx.data<float>(), x.data<float>(), y.data<float>(), g.data<float>(), n),
                 k.cuda_backward(dx.data<float>(), x.data<float>(), y.data<float>(), g.data<float>(), n));
    return std::vector<Tensor>{dx};
  });
}

}  // namespace

Tensor gelu(const Tensor& x) { return activation(kGelu, x); }
Tensor tanh(const Tensor& x) { return activation(kTanh, x); }
Tensor relu(const Tensor& x) { return activation(kRelu, x); }

}  // namespace ponet
