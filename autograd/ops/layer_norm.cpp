// layer_norm(x [..., D], weight [D], bias [D], eps): normalises each row of the last dim, then applies
// the per-feature affine map. Forward saves the per-row mean and rstd; one backward kernel produces
// dx, dweight and dbias together.
#include "kernels/cpu/layer_norm.h"

#include <cmath>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/ops/layer_norm_backward.h"
#include "core/dispatch.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/layer_norm.cuh"
#endif

namespace ponet {

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
  check_dtype(x, DType::F32, "layer_norm", "x");
  check_dtype(weight, DType::F32, "layer_norm", "weight");
  check_dtype(bias, DType::F32, "layer_norm", "bias");
  PONET_CHECK(x.dim() >= 1, "layer_norm: x must have at least 1 dim (normalised over the last), got ",
              x.describe());
  const int64_t cols = x.size(-1);
  PONET_CHECK(cols > 0, "layer_norm: the normalised (last) dim of x must be non-empty, got ", x.shape_str());
  check_shape(weight, {cols}, "layer_norm", "weight");
  check_shape(bias, {cols}, "layer_norm", "bias");
  check_same_device(x, weight, "layer_norm");
  check_same_device(x, bias, "layer_norm");
  PONET_CHECK(std::isfinite(eps) && eps >= 0.f, "layer_norm: eps must be finite and >= 0, got ", eps);

  const int64_t rows = x.numel() / cols;
  const Device device = x.device();
  Tensor xc = contiguous(x.detach()), wc = contiguous(weight.detach()), bc = contiguous(bias.detach());
  Tensor out = Tensor::empty(x.shape(), DType::F32, device);
  Tensor mean = Tensor::empty({rows}, DType::F32, device), rstd = Tensor::empty({rows}, DType::F32, device);
  // Reads x, weight, bias; writes out, mean, rstd. 8 FLOPs per element: mean (1), variance (3),
  // normalise (2), affine (2).
  PONET_KERNEL(device, "layer_norm_forward",
               profiler::cost(profiler::kF32 * (2 * rows * cols + 2 * cols + 2 * rows), 8 * rows * cols),
               cpu::layer_norm_forward(out.data<float>(), mean.data<float>(), rstd.data<float>(), xc.data<float>(),
                                       wc.data<float>(), bc.data<float>(), rows, cols, eps),
               cuda::layer_norm_forward(out.data<float>(), mean.data<float>(), rstd.data<float>(), xc.data<float>(),
                                        wc.data<float>(), bc.data<float>(), rows, cols, eps));

  return autograd::record("layer_norm", out, {x, weight, bias}, [xc, wc, mean, rstd, rows, cols](const Tensor& g) {
    return detail::layer_norm_backward(g, xc, wc, mean, rstd, rows, cols);
  });
}

namespace detail {

std::vector<Tensor> layer_norm_backward(const Tensor& g, const Tensor& xc, const Tensor& wc, const Tensor& mean,
                                        const Tensor& rstd, int64_t rows, int64_t cols) {
  Tensor gc = contiguous(g);
  const Device dev = gc.device();
  Tensor dx = Tensor::empty(xc.shape(), DType::F32, dev);
  Tensor dweight = Tensor::empty({cols}, DType::F32, dev), dbias = Tensor::empty({cols}, DType::F32, dev);
  // Reads dy, x, weight, mean, rstd; writes dx, dweight, dbias. 12 FLOPs per element: x-hat (2),
  // dweight and dbias sums (3), dy w (1), the two row sums (2), dx (4).
  PONET_KERNEL(dev, "layer_norm_backward",
               profiler::cost(profiler::kF32 * (3 * rows * cols + 3 * cols + 2 * rows), 12 * rows * cols),
               cpu::layer_norm_backward(dx.data<float>(), dweight.data<float>(), dbias.data<float>(), gc.data<float>(),
                                        xc.data<float>(), wc.data<float>(), mean.data<float>(), rstd.data<float>(), rows,
                                        cols),
               {
                 Tensor workspace = Tensor::empty({cuda::layer_norm_backward_workspace(rows, cols)}, DType::F32, dev);
                 cuda::layer_norm_backward(dx.data<float>(), dweight.data<float>(), dbias.data<float>(),
                                           workspace.data<float>(), gc.data<float>(), xc.data<float>(), wc.data<float>(),
                                           mean.data<float>(), rstd.data<float>(), rows, cols);
               });
  return {dx, dweight, dbias};
}

}  // namespace detail

}  // namespace ponet
