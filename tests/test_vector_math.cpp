// The vectorisable exp and erf (kernels/cpu/vector_math.h) and the GELU kernels built on them, on a
// dense grid against double-precision libm and against the std::erf reference kernels.
#include <cmath>
#include <vector>

#include "kernels/cpu/gelu.h"
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

TEST_CASE("gelu kernels match their std::erf references and double-precision GELU") {
  std::vector<float> x;
  for (float v = -12.f; v <= 12.f; v += 0.0007f) x.push_back(v);
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<float> g(n, 1.f), fast(n), ref(n), dfast(n), dref(n);
  cpu::gelu_forward(fast.data(), x.data(), n);
  cpu::gelu_forward_reference(ref.data(), x.data(), n);
  cpu::gelu_backward(dfast.data(), x.data(), fast.data(), g.data(), n);
  cpu::gelu_backward_reference(dref.data(), x.data(), g.data(), n);
  double worst = 0, worst_grad = 0, worst_vs_double = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double scale = std::max(1.0, std::abs(double{x[i]}));
    worst = worst_error(worst, std::abs(fast[i] - ref[i]) / scale);
    worst_grad = worst_error(worst_grad, std::abs(double{dfast[i]} - dref[i]));
    const double exact = 0.5 * x[i] * (1.0 + std::erf(x[i] / std::sqrt(2.0)));
    worst_vs_double = worst_error(worst_vs_double, std::abs(fast[i] - exact) / scale);
  }
  INFO("gelu vs reference ", worst, ", gelu' vs reference ", worst_grad, ", gelu vs double ", worst_vs_double);
  CHECK(worst < 3e-7);
  CHECK(worst_grad < 5e-7);
  CHECK(worst_vs_double < 3e-7);
}
