#include "train/grad_clip.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/error.h"

namespace ponet::train {

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  PONET_CHECK(max_norm > 0, "clip_grad_norm: max_norm must be positive");
  NoGrad no_grad;
  double total = 0.0;
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    for (float v : g.to_vector()) total += static_cast<double>(v) * v;
  }
  const double norm = std::sqrt(total);
  if (norm > max_norm) {
    const float factor = static_cast<float>(max_norm / (norm + 1e-6));
    for (const Tensor& p : params)
      if (p.grad().defined()) p.set_grad(scale(p.grad(), factor));
  }
  return norm;
}

}  // namespace ponet::train
