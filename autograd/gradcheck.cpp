#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "autograd/grad_mode.h"
#include "core/error.h"

namespace ponet::autograd {

namespace {
double weighted_sum(const Tensor& y, const std::vector<float>& w) {
  std::vector<float> v = y.to_vector();
  double s = 0.0;
  for (size_t i = 0; i < v.size(); ++i) s += static_cast<double>(w[i]) * v[i];
  return s;
}
}  // namespace

GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options) {
  GradcheckResult result;
  for (const Tensor& t : inputs) {
    if (!t.defined()) continue;  // an optional input left out (a bias)
    PONET_CHECK(t.device().is_cpu(), "gradcheck: inputs must be on the CPU");
    PONET_CHECK(!t.requires_grad() || t.is_contiguous(), "gradcheck: inputs requiring grad must be contiguous");
    if (t.requires_grad()) t.zero_grad();
  }

  Tensor y = fn(inputs);
  Rng rng(options.seed);
  std::vector<float> w(static_cast<size_t>(y.numel()));
  for (float& x : w) x = rng.uniform(-1.f, 1.f);
  PONET_CHECK(y.requires_grad(), "gradcheck: the output does not require grad (no input reached it)");
  y.backward(Tensor::from_vector(w, y.shape()));

  NoGrad no_grad;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    if (!x.defined() || !x.requires_grad()) continue;
    Tensor analytic = x.grad();
    std::vector<float> a = analytic.defined() ? analytic.to_vector() : std::vector<float>(x.numel(), 0.f);
    float* data = x.data<float>();
    for (int64_t j = 0; j < x.numel(); ++j) {
      const float saved = data[j];
      data[j] = saved + options.eps;
      double up = weighted_sum(fn(inputs), w);
      data[j] = saved - options.eps;
      double down = weighted_sum(fn(inputs), w);
      data[j] = saved;
      double numeric = (up - down) / (2.0 * options.eps);
      double err = std::abs(numeric - a[j]);
      // Written so that NaN or Inf anywhere (analytic or numeric) fails: a comparison with NaN is false,
      // and std::max would drop it from the maximum.
      const bool finite = std::isfinite(err);
      if (!finite || err > result.max_abs_error) result.max_abs_error = finite ? err : INFINITY;
      if (result.ok && !(finite && err <= options.atol + options.rtol * std::abs(numeric))) {
        result.ok = false;
        std::ostringstream os;
        os << "input " << i << " element " << j << ": analytic " << a[j] << " vs numeric " << numeric;
        result.message = os.str();
      }
    }
  }
  return result;
}

}  // namespace ponet::autograd
