// Inverted dropout (see kernels/cpu/dropout.h). On CUDA the host-drawn mask is copied over and applied
// with the broadcasting multiply kernel, so the same seed gives the same result on both devices.
#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/error.h"
#include "kernels/cpu/dropout.h"

namespace ponet {

Tensor dropout(const Tensor& x, float p, bool training, Rng& rng) {
  check_dtype(x, DType::F32, "dropout", "x");
  PONET_CHECK(p >= 0.f && p < 1.f, "dropout: p must be in [0, 1), got ", p);
  if (!training || p == 0.f) return x;
  Tensor mask = Tensor::empty(x.shape());
  cpu::dropout_make_mask(mask.data<float>(), x.numel(), p, rng);
  mask = mask.to(x.device());
  if (x.device().is_cuda()) {
    return mul(x, mask);  // mul's backward is g * mask for x: the same rule
  }
  Tensor xc = contiguous(x.detach());
  Tensor out = Tensor::empty(x.shape());
  cpu::dropout_apply(out.data<float>(), xc.data<float>(), mask.data<float>(), x.numel());
  return autograd::record("dropout", out, {x}, [mask](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    Tensor dx = Tensor::empty(g.shape());
    cpu::dropout_apply(dx.data<float>(), g.data<float>(), mask.data<float>(), g.numel());
    return std::vector<Tensor>{dx};
  });
}

}  // namespace ponet
