// The vectorisable exp and erf (kernels/cpu/vector_math.h) and the GELU kernels built on them, on a
// dense grid against double-precision libm and against the plain std::erf GELU kernels beside them.
#include <cmath>
#include <vector>

#include "kernels/activation_formulas.h"
#include "kernels/cpu/activations.h"
#include "kernels/cpu/vector_math.h"
#include "test_util.h"

using namespace ponet;
using ponet::testing::worst_error;

TEST_CASE("exp_nonpositive and erf_vectorizable against double precision on a dense grid") {
  double worst_exp = 0, worst_erf = 0;
  for (double x = -86.4; x <= 0.0; x += 0.001) {
    const float f = static_cast<float>(x);
    worst_exp = worst_error(worst_exp, std::abs(cpu::exp_nonpositive(f) - std::exp(double{f})) / std::exp(double{f}));
  }
  for (double x = -10.0; x <= 10.0; x += 0.0001) {
    const float f = static_cast<float>(x);
    worst_erf = worst_error(worst_erf, std::abs(cpu::erf_vectorizable(f) - std::erf(double{f})));
  }
  INFO("worst exp relative error ", worst_exp, ", worst erf absolute error ", worst_erf);
  CHECK(worst_exp < 3e-7);
  CHECK(worst_erf < 3e-7);
  CHECK(cpu::exp_nonpositive(-1000.f) == 0.f);  // below the normal range: exactly 0, never NaN
  CHECK(cpu::exp_nonpositive(-INFINITY) == 0.f);  // a masked (-inf) attention score
  CHECK(cpu::exp_nonpositive(0.f) == 1.f);
  CHECK(cpu::erf_vectorizable(0.f) == 0.f);
}

// The op table checks GELU on [-3, 3]; this grid also covers the tails, where erf saturates and the
// backward's x phi(x) underflows.
TEST_CASE("gelu kernels match double-precision GELU and its derivative on a dense grid over [-12, 12]") {
  std::vector<float> x;
  for (float v = -12.f; v <= 12.f; v += 0.0007f) x.push_back(v);
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<float> g(n, 1.f), y(n), dx(n);
  cpu::activation_forward<activation::Gelu>(y.data(), x.data(), n);
  cpu::activation_backward<activation::Gelu>(dx.data(), x.data(), y.data(), g.data(), n);
  double worst = 0, worst_grad = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double v = x[i], phi = std::exp(-0.5 * v * v) / std::sqrt(2 * std::acos(-1.0));
    const double Phi = 0.5 * (1.0 + std::erf(v / std::sqrt(2.0)));
    worst = worst_error(worst, std::abs(y[i] - v * Phi) / std::max(1.0, std::abs(v)));
    worst_grad = worst_error(worst_grad, std::abs(dx[i] - (Phi + v * phi)));
  }
  std::vector<float> ref(n), dref(n);
  cpu::gelu_forward_reference(ref.data(), x.data(), n);
  cpu::gelu_backward_reference(dref.data(), x.data(), g.data(), n);
  double worst_ref = 0, worst_ref_grad = 0;
  for (int64_t i = 0; i < n; ++i) {
    worst_ref = worst_error(worst_ref, std::abs(y[i] - ref[i]) / std::max(1.0, std::abs(double{x[i]})));
    worst_ref_grad = worst_error(worst_ref_grad, std::abs(double{dx[i]} - dref[i]));
  }
  INFO("gelu vs double ", worst, ", gelu' vs double ", worst_grad, ", vs the std::erf reference ", worst_ref,
       " and ", worst_ref_grad);
  CHECK(worst_ref < 3e-7);
  CHECK(worst_ref_grad < 5e-7);
  CHECK(worst < 3e-7);
  CHECK(worst_grad < 5e-7);
}
