#include "train/grad_clip.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/error.h"

namespace ponet::train {

namespace {
double squared_norm(const Tensor& g) {
  if (g.device().is_cpu()) {
    Tensor gc = contiguous(g);
    const float* p = gc.data<float>();
    double s = 0.0;
    for (int64_t i = 0; i < gc.numel(); ++i) s += static_cast<double>(p[i]) * p[i];
    return s;
  }
  // On the GPU: reduce there and copy back one number, not the whole gradient.
  return static_cast<double>(sum_all(mul(g, g)).item());
}
}  // namespace

double grad_norm(const std::vector<Tensor>& params) {
  NoGrad no_grad;
  double total = 0.0;
  for (const Tensor& p : params) {
    PONET_CHECK(p.defined(), "grad_norm: a parameter is undefined");
    Tensor g = p.grad();
    if (!g.defined()) continue;
    check_dtype(g, DType::F32, "grad_norm", "gradient");
    total += squared_norm(g);
  }
  return std::sqrt(total);
}

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  PONET_CHECK(std::isfinite(max_norm) && max_norm > 0, "clip_grad_norm: max_norm must be finite and > 0, got ",
              max_norm);
  const double norm = grad_norm(params);
  NoGrad no_grad;
  if (!std::isfinite(norm) || norm <= max_norm) return norm;
  const float factor = static_cast<float>(max_norm / (norm + 1e-6));
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (g.defined()) p.set_grad(scale(g, factor));
  }
  return norm;
}

}  // namespace ponet::train
