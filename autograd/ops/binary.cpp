// add, sub, mul, div with NumPy broadcasting. Backward reduces each gradient back to its input's shape.
#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"
#include "kernels/cpu/binary.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/binary.cuh"
#endif

namespace ponet {

namespace {

Tensor binary_forward(cpu::BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  check_dtype(a, DType::F32, name, "a");
  check_dtype(b, DType::F32, name, "b");
  check_same_device(a, b, name);
  Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  Tensor out = Tensor::empty(shape, DType::F32, a.device());
  if (out.numel() == 0) return out;
  auto as = broadcast_strides(a.shape(), a.strides(), shape);
  auto bs = broadcast_strides(b.shape(), b.strides(), shape);
  // Each input is read once at its own size (a broadcast operand is not re-counted); 1 FLOP per output.
  PONET_KERNEL(
      a.device(), name, profiler::cost(profiler::kF32 * (a.numel() + b.numel() + out.numel()), out.numel()),
      cpu::binary_forward(op, out.data<float>(), a.data<float>(), as, b.data<float>(), bs, shape),
      cuda::binary_forward(static_cast<int>(op), out.data<float>(), a.data<float>(), as, b.data<float>(), bs, shape));
  return out;
}

}  // namespace

Tensor sum_to_shape(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  const int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  PONET_CHECK(lead >= 0, "sum_to_shape: cannot reduce ", grad.shape_str(), " to ", shape_str(shape));
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < grad.dim(); ++d)
    if (d < lead || (shape[d - lead] == 1 && grad.shape()[d] != 1)) dims.push_back(d);
  Tensor reduced = dims.empty() ? grad : sum(grad, dims, true);
  return reshape(reduced, shape);
}

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(cpu::BinaryOp::Add, "add", a, b);
  Shape sa = a.shape(), sb = b.shape();
  return autograd::record("add", out, {a, b}, [sa, sb](const Tensor& g) {
    return std::vector<Tensor>{sum_to_shape(g, sa), sum_to_shape(g, sb)};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(cpu::BinaryOp::Sub, "sub", a, b);
  Shape sa = a.shape(), sb = b.shape();
  return autograd::record("sub", out, {a, b}, [sa, sb](const Tensor& g) {
    return std::vector<Tensor>{sum_to_shape(g, sa), sum_to_shape(scale(g, -1.f), sb)};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(cpu::BinaryOp::Mul, "mul", a, b);
  Tensor ad = a.detach(), bd = b.detach();
  bool need_a = a.requires_grad(), need_b = b.requires_grad();
  return autograd::record("mul", out, {a, b}, [ad, bd, need_a, need_b](const Tensor& g) {
    Tensor da = need_a ? sum_to_shape(mul(g, bd), ad.shape()) : Tensor();
    Tensor db = need_b ? sum_to_shape(mul(g, ad), bd.shape()) : Tensor();
    return std::vector<Tensor>{da, db};
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(cpu::BinaryOp::Div, "div", a, b);
  Tensor ad = a.detach(), bd = b.detach();
  bool need_a = a.requires_grad(), need_b = b.requires_grad();
  return autograd::record("div", out, {a, b}, [ad, bd, need_a, need_b](const Tensor& g) {
    Tensor da = need_a ? sum_to_shape(div(g, bd), ad.shape()) : Tensor();
    // d(a/b)/db = -a / b^2
    Tensor db = need_b ? sum_to_shape(scale(div(mul(g, ad), mul(bd, bd)), -1.f), bd.shape()) : Tensor();
    return std::vector<Tensor>{da, db};
  });
}

}  // namespace ponet
