// gelu, tanh, relu: against double-precision formulas, gradcheck, errors (CUDA vs CPU: the op table, tests/ops_table/).
#include <cmath>

#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {
using UnaryFn = Tensor (*)(const Tensor&);

void check_unary(UnaryFn fn, double (*reference)(double), const char* name) {
  CAPTURE(name);
  Rng rng(21);
  Tensor x = random_tensor({4, 7}, rng, false, 2.f);
  std::vector<float> xs = x.to_vector(), expected;
  for (float v : xs) expected.push_back(static_cast<float>(reference(v)));
  check_close(fn(x), expected, 1e-6, 1e-6);
  // non-contiguous input
  Tensor xt = x.transpose(0, 1);
  std::vector<float> expected_t(28);
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 4; ++j) expected_t[i * 4 + j] = static_cast<float>(reference(xs[j * 7 + i]));
  check_close(fn(xt), expected_t, 1e-6, 1e-6);
  CHECK_THROWS_WITH_AS(fn(Tensor::zeros({2}, DType::I64)), doctest::Contains("must be float32"), Error);
}

double gelu_ref(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }
double tanh_ref(double x) { return std::tanh(x); }
double relu_ref(double x) { return x > 0 ? x : 0; }
}  // namespace

TEST_CASE("gelu, tanh and relu match double-precision formulas") {
  check_unary(gelu, gelu_ref, "gelu");
  check_unary(ponet::tanh, tanh_ref, "tanh");
  check_unary(relu, relu_ref, "relu");
}

TEST_CASE("gelu, tanh and relu: gradcheck") {
  Rng rng(22);
  Tensor x = random_tensor({3, 5}, rng, true);
  check_gradients([](const std::vector<Tensor>& in) { return gelu(in[0]); }, {x});
  check_gradients([](const std::vector<Tensor>& in) { return ponet::tanh(in[0]); }, {x});
  // keep relu inputs away from the kink at 0
  std::vector<float> v = x.to_vector();
  for (float& f : v) f = f >= 0 ? f + 0.1f : f - 0.1f;
  Tensor y = Tensor::from_vector(v, {3, 5}).set_requires_grad(true);
  check_gradients([](const std::vector<Tensor>& in) { return relu(in[0]); }, {y});
}
