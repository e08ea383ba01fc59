// dropout_add_layer_norm (contract in autograd/ops.h): forward is one fused kernel that saves the sum
// and the row statistics; backward is LayerNorm's backward, whose dx is the residual's gradient and,
// through the same recomputed mask, x's.
#include <cmath>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/ops/layer_norm_backward.h"
#include "core/dispatch.h"
#include "kernels/cpu/dropout.h"
#include "kernels/cpu/dropout_add_layer_norm.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/dropout.cuh"
#include "kernels/cuda/dropout_add_layer_norm.cuh"
#endif

namespace ponet {

Tensor dropout_add_layer_norm(const Tensor& x, const Tensor& residual, const Tensor& weight, const Tensor& bias,
                              float p, bool training, Rng& rng, float eps, const DropoutRows& batch_rows) {
  const char* op = "dropout_add_layer_norm";
  check_dtype(x, DType::F32, op, "x");
  check_dtype(residual, DType::F32, op, "residual");
  check_dtype(weight, DType::F32, op, "weight");
  check_dtype(bias, DType::F32, op, "bias");
  PONET_CHECK(x.dim() >= 1 && x.size(-1) > 0, op, ": x needs a non-empty last dim, got ", x.describe());
  check_shape(residual, x.shape(), op, "residual");
  const int64_t cols = x.size(-1), rows = x.numel() / cols;
  check_shape(weight, {cols}, op, "weight");
  check_shape(bias, {cols}, op, "bias");
  for (const Tensor* t : {&residual, &weight, &bias}) check_same_device(x, *t, op);
  PONET_CHECK(p >= 0.f && p < 1.f, op, ": p must be in [0, 1), got ", p);
  PONET_CHECK(std::isfinite(eps) && eps >= 0.f, op, ": eps must be finite and >= 0, got ", eps);

  const float p_used = training ? p : 0.f;
  // drawn exactly when dropout() would draw; shifted to this rank's rows of a data-parallel batch
  const uint64_t seed = p_used > 0.f ? dropout_seed_for_rows(rng.next_u64(), batch_rows, x, op) : 0;
  const Device dev = x.device();
  Tensor xc = contiguous(x.detach()), rc = contiguous(residual.detach());
  Tensor wc = contiguous(weight.detach()), bc = contiguous(bias.detach());
  Tensor out = Tensor::empty(x.shape(), DType::F32, dev), sum = Tensor::empty(x.shape(), DType::F32, dev);
  Tensor mean = Tensor::empty({rows}, DType::F32, dev), rstd = Tensor::empty({rows}, DType::F32, dev);
  // Reads x, residual, weight, bias; writes out and sum (and the row statistics). About 10 FLOPs per
  // element: the mask hash and scale (2), the add (1), LayerNorm's 8 (rows of layer_norm_forward).
  PONET_KERNEL(dev, "dropout_add_layer_norm_forward",
               profiler::cost(profiler::kF32 * (4 * rows * cols + 2 * cols + 2 * rows), 11 * rows * cols),
               cpu::dropout_add_layer_norm_forward(out.data<float>(), sum.data<float>(), mean.data<float>(),
                                                   rstd.data<float>(), xc.data<float>(), rc.data<float>(),
                                                   wc.data<float>(), bc.data<float>(), rows, cols, p_used, seed, eps),
               cuda::dropout_add_layer_norm_forward(out.data<float>(), sum.data<float>(), mean.data<float>(),
                                                    rstd.data<float>(), xc.data<float>(), rc.data<float>(),
                                                    wc.data<float>(), bc.data<float>(), rows, cols, p_used, seed,
                                                    eps));

  return autograd::record(op, out, {x, residual, weight, bias},
                          [sum, wc, mean, rstd, rows, cols, p_used, seed](const Tensor& g) {
    std::vector<Tensor> ln = detail::layer_norm_backward(g, sum, wc, mean, rstd, rows, cols);
    const Tensor& dsum = ln[0];
    Tensor dx = dsum;
    if (p_used > 0.f) {
      dx = Tensor::empty(dsum.shape(), DType::F32, dsum.device());
      PONET_KERNEL(dsum.device(), "dropout_apply", profiler::elementwise_cost(dsum.numel(), 1, 1, 1),
                   cpu::dropout_apply(dx.data<float>(), dsum.data<float>(), dsum.numel(), p_used, seed),
                   cuda::dropout_apply(dx.data<float>(), dsum.data<float>(), dsum.numel(), p_used, seed));
    }
    return std::vector<Tensor>{dx, dsum, ln[1], ln[2]};
  });
}

}  // namespace ponet
