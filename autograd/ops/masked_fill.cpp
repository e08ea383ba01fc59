// masked_fill: a constant where the (broadcast) mask is set. Filled elements get no gradient.
#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"
#include "kernels/cpu/masked_fill.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/masked_fill.cuh"
#endif

namespace ponet {

namespace {
void fill(const Tensor& out, const Tensor& x, const Tensor& mask, float value) {
  // Reads x and the int64 mask, writes out; no FLOPs. Backward is the same kernel on the gradient.
  PONET_KERNEL(x.device(), "masked_fill_forward", profiler::cost((2 * profiler::kF32 + profiler::kI64) * x.numel(), 0),
               cpu::masked_fill_forward(out.data<float>(), x.data<float>(), mask.data<int64_t>(), x.numel(), value),
               cuda::masked_fill_forward(out.data<float>(), x.data<float>(), mask.data<int64_t>(), x.numel(), value));
}
}  // namespace

Tensor masked_fill(const Tensor& x_in, const Tensor& mask_in, float value) {
  check_dtype(x_in, DType::F32, "masked_fill", "x");
  check_dtype(mask_in, DType::I64, "masked_fill", "mask");
  check_same_device(x_in, mask_in, "masked_fill");
  Shape shape = broadcast_shapes(x_in.shape(), mask_in.shape(), "masked_fill");
  PONET_CHECK(shape == x_in.shape(), "masked_fill: mask ", mask_in.shape_str(), " does not broadcast to x ",
              x_in.shape_str());
  // expand the mask to x's shape (stride-0 view, then a contiguous copy)
  Tensor mask = contiguous(make_view(mask_in, shape, broadcast_strides(mask_in.shape(), mask_in.strides(), shape),
                                     mask_in.offset()));
  Tensor x = contiguous(x_in.detach());
  Tensor out = Tensor::empty(shape, DType::F32, x.device());
  fill(out, x, mask, value);
  return autograd::record("masked_fill", out, {x_in}, [mask](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    Tensor dx = Tensor::empty(g.shape(), DType::F32, g.device());
    fill(dx, g, mask, 0.f);
    return std::vector<Tensor>{dx};
  });
}

}  // namespace ponet
