// fourier_mix: what the op table (tests/ops_table/, rows "fourier_mix": radix-2, Bluestein, 2-D to 4-D,
// odd, size-1 and strided inputs against the separable DFT in double, gradcheck, CUDA vs CPU) does not
// check: the self-adjoint property the backward relies on, against the literal definition, and errors.
#include <algorithm>
#include <cmath>

#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {

// y[b, k, e] = sum_{l, j} x[b, l, j] cos(2 pi (lk / L + je / D)), i.e. Re of the 2-D DFT, in double.
std::vector<float> definition(const std::vector<float>& x, int64_t B, int64_t L, int64_t D) {
  const double two_pi = 2.0 * 3.14159265358979323846;
  std::vector<float> y(x.size());
  for (int64_t b = 0; b < B; ++b)
    for (int64_t k = 0; k < L; ++k)
      for (int64_t e = 0; e < D; ++e) {
        double acc = 0.0;
        for (int64_t l = 0; l < L; ++l)
          for (int64_t j = 0; j < D; ++j) {
            const double a = two_pi * (static_cast<double>(l * k % L) / L + static_cast<double>(j * e % D) / D);
            acc += x[(b * L + l) * D + j] * std::cos(a);
          }
        y[(b * L + k) * D + e] = static_cast<float>(acc);
      }
  return y;
}

// max |a - b| / max |b|
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double scale = 0.0;
  for (float v : b) scale = std::max(scale, static_cast<double>(std::abs(v)));
  return max_abs_diff(a, b) / std::max(scale, 1e-30);
}

double dot(const Tensor& a, const Tensor& b) {
  std::vector<float> u = a.to_vector(), v = b.to_vector();
  double s = 0.0;
  for (size_t i = 0; i < u.size(); ++i) s += static_cast<double>(u[i]) * v[i];
  return s;
}

}  // namespace

TEST_CASE("fourier_mix is self-adjoint and its backward is the same transform") {
  Rng rng(85);
  Tensor x = random_tensor({2, 12, 10}, rng, true), y = random_tensor({2, 12, 10}, rng);
  const double lhs = dot(fourier_mix(x), y), rhs = dot(x, fourier_mix(y));
  INFO("<F x, y> = ", lhs, ", <x, F y> = ", rhs);
  CHECK(std::abs(lhs - rhs) <= 1e-5 * std::max(std::abs(lhs), 1.0));
  fourier_mix(x).backward(y);
  CHECK(relative_error(x.grad().to_vector(), definition(y.to_vector(), 2, 12, 10)) < 2e-6);
}

TEST_CASE("fourier_mix rejects bad input") {
  CHECK_THROWS_WITH_AS(fourier_mix(Tensor::from_vector_i64({1, 2, 3, 4}, {2, 2})),
                       doctest::Contains("fourier_mix: x must be float32"), Error);
  CHECK_THROWS_WITH_AS(fourier_mix(Tensor::zeros({8})), doctest::Contains("at least 2 dims"), Error);
  CHECK_THROWS_WITH_AS(fourier_mix(Tensor::zeros({2, 0, 4})), doctest::Contains("non-empty"), Error);
}
