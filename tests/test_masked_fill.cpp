// masked_fill with a broadcast mask; filled elements get no gradient.
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

TEST_CASE("masked_fill with a broadcast (B, L, 1) mask") {
  Rng rng(41);
  Tensor x = random_tensor({2, 3, 4}, rng, true);
  Tensor mask = Tensor::from_vector_i64({1, 0, 0, 0, 1, 0}, {2, 3, 1});
  Tensor y = masked_fill(x, mask, -7.f);
  std::vector<float> xs = x.to_vector(), ys = y.to_vector();
  std::vector<int64_t> m = mask.to_vector_i64();
  for (int i = 0; i < 24; ++i) CHECK(ys[i] == (m[i / 4] ? -7.f : xs[i]));
  check_gradients([&](const std::vector<Tensor>& in) { return masked_fill(in[0], mask, 3.f); }, {x});
  x.zero_grad();
  y = masked_fill(x, mask, -7.f);
  sum_all(y).backward();
  std::vector<float> g = x.grad().to_vector();
  for (int i = 0; i < 24; ++i) CHECK(g[i] == (m[i / 4] ? 0.f : 1.f));
}

TEST_CASE("masked_fill rejects masks that do not broadcast to x") {
  Tensor x = Tensor::zeros({2, 3});
  CHECK_THROWS_WITH_AS(masked_fill(x, Tensor::zeros({4}, DType::I64), 0.f), doctest::Contains("cannot be broadcast"), Error);
  CHECK_THROWS_WITH_AS(masked_fill(x, Tensor::zeros({2, 2, 3}, DType::I64), 0.f), doctest::Contains("does not broadcast"), Error);
  CHECK_THROWS_WITH_AS(masked_fill(x, Tensor::zeros({2, 3}), 0.f), doctest::Contains("must be int64"), Error);
}
