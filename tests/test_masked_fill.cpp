// masked_fill: what the op table (tests/ops_table/, rows "masked_fill": broadcast masks against double,
// gradcheck, CUDA vs CPU) does not check: that a filled element's gradient is exactly 0 (gradcheck
// allows 1e-3) and the others exactly pass through, and the errors on masks that do not broadcast to x or
// are not int64.
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

TEST_CASE("masked_fill: filled elements take exactly no gradient, the others exactly the incoming one") {
  Rng rng(41);
  Tensor x = random_tensor({2, 3, 4}, rng, true);
  Tensor mask = Tensor::from_vector_i64({1, 0, 0, 0, 1, 0}, {2, 3, 1});
  sum_all(masked_fill(x, mask, -7.f)).backward();
  std::vector<float> g = x.grad().to_vector();
  std::vector<int64_t> m = mask.to_vector_i64();
  for (int i = 0; i < 24; ++i) CHECK(g[i] == (m[i / 4] ? 0.f : 1.f));
}

TEST_CASE("masked_fill rejects masks that do not broadcast to x") {
  Tensor x = Tensor::zeros({2, 3});
  CHECK_THROWS_WITH_AS(masked_fill(x, Tensor::zeros({4}, DType::I64), 0.f), doctest::Contains("cannot be broadcast"), Error);
  CHECK_THROWS_WITH_AS(masked_fill(x, Tensor::zeros({2, 2, 3}, DType::I64), 0.f), doctest::Contains("does not broadcast"), Error);
  CHECK_THROWS_WITH_AS(masked_fill(x, Tensor::zeros({2, 3}), 0.f), doctest::Contains("must be int64"), Error);
}
