// max_pool1d, segment_max and masked_mean (the PoNet pooling primitives): what the op table
// (tests/ops_table/, rows "max_pool1d", "segment_max", "masked_mean": values against plain loops in
// double, gradcheck on distinct inputs, CUDA vs CPU) does not check: which position wins a tie (and so
// takes the gradient), errors.
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

TEST_CASE("max_pool1d: ties go to the lowest position, errors") {
  Tensor tie = Tensor::from_vector({1, 1, 1}, {1, 3, 1}).set_requires_grad(true);
  sum_all(max_pool1d(tie)).backward();
  // windows: {0,1} -> 0, {0,1,2} -> 0, {1,2} -> 1
  check_close(tie.grad(), {2, 1, 0});
  CHECK_THROWS_WITH_AS(max_pool1d(Tensor::zeros({3, 4})), doctest::Contains("must have 3 dims"), Error);
}

TEST_CASE("segment_max: the winner gets the whole segment's gradient, ties, errors") {
  Tensor x = Tensor::from_vector({1, 3, 2, 2, 2}, {1, 5, 1}).set_requires_grad(true);
  Tensor ids = Tensor::from_vector_i64({0, 0, 0, 1, 1}, {1, 5});
  segment_max(x, ids).backward(Tensor::from_vector({1, 2, 4, 8, 16}, {1, 5, 1}));
  check_close(x.grad(), {0, 7, 0, 24, 0});  // segment 0 -> position 1; tie in segment 1 -> position 3
  CHECK_THROWS_WITH_AS(segment_max(x, Tensor::from_vector_i64({0, 0, -1, 1, 1}, {1, 5})), doctest::Contains(">= 0"), Error);
  CHECK_THROWS_WITH_AS(segment_max(x, Tensor::from_vector_i64({0, 0, 1}, {1, 3})), doctest::Contains("must have shape"), Error);
}

TEST_CASE("masked_mean: a row without real positions throws") {
  Tensor x = Tensor::zeros({2, 4, 3});
  CHECK_THROWS_WITH_AS(masked_mean(x, Tensor::from_vector_i64({1, 0, 0, 0, 0, 0, 0, 0}, {2, 4})),
                       doctest::Contains("no real position"), Error);
}
