// softmax / log_softmax over the last dim.
#include <cmath>

#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {
std::vector<float> reference(const std::vector<float>& x, int64_t rows, int64_t cols, bool log_form) {
  std::vector<float> out(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    double mx = -INFINITY, z = 0;
    for (int64_t j = 0; j < cols; ++j) mx = std::max(mx, static_cast<double>(x[r * cols + j]));
    for (int64_t j = 0; j < cols; ++j) z += std::exp(x[r * cols + j] - mx);
    for (int64_t j = 0; j < cols; ++j) {
      double lp = x[r * cols + j] - mx - std::log(z);
      out[r * cols + j] = static_cast<float>(log_form ? lp : std::exp(lp));
    }
  }
  return out;
}
}  // namespace

TEST_CASE("softmax and log_softmax match the double reference, also for huge logits") {
  Rng rng(31);
  Tensor x = random_tensor({2, 3, 11}, rng, false, 3.f);
  check_close(softmax(x), reference(x.to_vector(), 6, 11, false), 1e-7, 1e-5);
  check_close(log_softmax(x), reference(x.to_vector(), 6, 11, true), 1e-5, 1e-5);
  Tensor big = Tensor::from_vector({1000.f, 1001.f, -1000.f}, {1, 3});
  check_close(softmax(big), reference(big.to_vector(), 1, 3, false), 1e-7, 1e-6);
  check_close(log_softmax(big), reference(big.to_vector(), 1, 3, true), 1e-4, 1e-6);
  std::vector<float> rows = softmax(x).to_vector();
  for (int r = 0; r < 6; ++r) {
    double s = 0;
    for (int j = 0; j < 11; ++j) s += rows[r * 11 + j];
    CHECK(s == doctest::Approx(1.0).epsilon(1e-6));
  }
}

TEST_CASE("softmax and log_softmax: gradcheck, errors") {
  Rng rng(32);
  Tensor x = random_tensor({3, 6}, rng, true);
  check_gradients([](const std::vector<Tensor>& in) { return softmax(in[0]); }, {x});
  check_gradients([](const std::vector<Tensor>& in) { return log_softmax(in[0]); }, {x});
  CHECK_THROWS_WITH_AS(softmax(Tensor::zeros({3, 0})), doctest::Contains("non-empty last dim"), Error);
}
