// fourier_mix: the fast FFT kernel against the literal definition and the DFT-by-GEMM reference,
// gradcheck, the self-adjoint property the backward relies on, errors (CUDA vs CPU: the op table, tests/ops_table/).
#include <algorithm>
#include <cmath>

#include "kernels/cpu/fourier_mix.h"
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

std::vector<float> gemm_reference(const Tensor& x) {
  const int64_t L = x.size(-2), D = x.size(-1), B = x.numel() / (L * D);
  std::vector<float> in = x.to_vector(), out(in.size());
  cpu::fourier_mix_reference(out.data(), in.data(), B, L, D);
  return out;
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

TEST_CASE("fourier_mix matches the definition and the DFT-by-GEMM reference") {
  Rng rng(81);
  const std::vector<Shape> shapes = {{3, 30, 32}, {2, 7, 5}, {1, 1, 1}, {4, 1, 6}, {2, 9, 1}, {5, 8},
                                     {2, 3, 6, 10}, {1, 31, 33}};
  double worst_def = 0.0, worst_ref = 0.0;
  for (const Shape& s : shapes) {
    Tensor x = random_tensor(s, rng);
    const int64_t L = x.size(-2), D = x.size(-1), B = x.numel() / (L * D);
    std::vector<float> y = fourier_mix(x).to_vector();
    const double e_def = relative_error(y, definition(x.to_vector(), B, L, D));
    const double e_ref = relative_error(y, gemm_reference(x));
    INFO("shape ", x.shape_str(), ": vs definition ", e_def, ", vs GEMM reference ", e_ref);
    CHECK(e_def < 2e-6);
    CHECK(e_ref < 2e-6);
    worst_def = std::max(worst_def, e_def);
    worst_ref = std::max(worst_ref, e_ref);
  }
  MESSAGE("worst error vs definition ", worst_def, ", vs GEMM reference ", worst_ref);
}

TEST_CASE("fourier_mix on larger and odd shapes matches the DFT-by-GEMM reference") {
  Rng rng(82);
  for (const Shape& s : std::vector<Shape>{{2, 256, 64}, {3, 300, 48}, {2, 127, 65}, {1, 1000, 8}}) {
    Tensor x = random_tensor(s, rng);
    const double err = relative_error(fourier_mix(x).to_vector(), gemm_reference(x));
    MESSAGE("shape ", x.shape_str(), ": error vs GEMM reference ", err, " of max |y|");
    CHECK(err < 2e-6);
  }
}

TEST_CASE("fourier_mix of a strided input equals that of its contiguous copy") {
  Rng rng(83);
  Tensor x = random_tensor({2, 10, 12}, rng).transpose(1, 2);  // [2, 12, 10], not contiguous
  REQUIRE_FALSE(x.is_contiguous());
  CHECK(max_abs_diff(fourier_mix(x).to_vector(), fourier_mix(x.contiguous()).to_vector()) == 0.0);
}

TEST_CASE("fourier_mix: gradcheck") {
  Rng rng(84);
  for (const Shape& s : std::vector<Shape>{{2, 5, 6}, {1, 3, 7}, {4, 3}}) {
    Tensor x = random_tensor(s, rng, true);
    check_gradients([](const std::vector<Tensor>& in) { return fourier_mix(in[0]); }, {x});
  }
}

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
