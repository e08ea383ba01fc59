// matmul and linear: what the op table (tests/ops_table/, rows "matmul", "linear": values against double
// for every transpose, batch layout, empty and large shapes, gradcheck, CUDA vs CPU) does not check: the
// errors on shapes that do not multiply.
#include "test_util.h"

using namespace ponet;

TEST_CASE("matmul rejects shapes that do not multiply") {
  CHECK_THROWS_WITH_AS(matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5})), doctest::Contains("inner dims 3 and 4 differ"), Error);
  CHECK_THROWS_WITH_AS(matmul(Tensor::zeros({2, 2, 3}), Tensor::zeros({3, 3, 4})), doctest::Contains("batch dims"), Error);
  CHECK_THROWS_WITH_AS(matmul(Tensor::zeros({3}), Tensor::zeros({3, 4})), doctest::Contains("at least 2 dims"), Error);
}

TEST_CASE("linear rejects a weight or bias of the wrong shape") {
  CHECK_THROWS_WITH_AS(linear(Tensor::zeros({2, 3}), Tensor::zeros({5, 4}), Tensor()), doctest::Contains("expects 4"), Error);
  CHECK_THROWS_WITH_AS(linear(Tensor::zeros({2, 4}), Tensor::zeros({5, 4}), Tensor::zeros({4})), doctest::Contains("bias must have shape"), Error);
}

TEST_CASE("linear on one row leaves the bias alone and gives the same output every call") {
  // the bias is the GEMM's starting C: with one row its broadcast view must still be copied
  Rng rng(3);
  Tensor w = Tensor::randn({4, 3}, rng), b = Tensor::randn({4}, rng), x = Tensor::randn({1, 3}, rng);
  const std::vector<float> bias_before = b.to_vector();
  const std::vector<float> first = linear(x, w, b).to_vector();
  CHECK(linear(x, w, b).to_vector() == first);
  CHECK(linear(x.reshape({1, 1, 3}), w, b).to_vector() == first);
  CHECK(b.to_vector() == bias_before);
}
