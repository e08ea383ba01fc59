// x * factor and x + value: an affine map with a constant, so backward is a plain scale.
#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"
#include "kernels/cpu/scale.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/scale.cuh"
#endif

namespace ponet {

namespace {
Tensor affine(const Tensor& x, float factor, float offset, const char* name) {
  check_dtype(x, DType::F32, name, "x");
  Tensor xc = contiguous(x.detach());
  Tensor out = Tensor::empty(x.shape(), DType::F32, x.device());
  // x * factor + offset: 2 FLOPs per element.
  PONET_KERNEL(x.device(), "scale_forward", profiler::elementwise_cost(x.numel(), 1, 1, 2),
               cpu::scale_forward(out.data<float>(), xc.data<float>(), x.numel(), factor, offset),
               cuda::scale_forward(out.data<float>(), xc.data<float>(), x.numel(), factor, offset));
  return out;
}
}  // namespace

Tensor scale(const Tensor& x, float factor) {
  Tensor out = affine(x, factor, 0.f, "scale");
  return autograd::record("scale", out, {x},
                          [factor](const Tensor& g) { return std::vector<Tensor>{scale(g, factor)}; });
}

Tensor add_scalar(const Tensor& x, float value) {
  Tensor out = affine(x, 1.f, value, "add_scalar");
  return autograd::record("add_scalar", out, {x}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
}

}  // namespace ponet
