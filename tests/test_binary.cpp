// add / sub / mul / div: what the op table (tests/ops_table/, rows "add", "sub", "mul", "div": every
// broadcast pattern and strided inputs against double to half an ulp, gradcheck, CUDA vs CPU) does not
// check: the errors on shapes that do not broadcast and on int64 input.
#include "test_util.h"

using namespace ponet;

TEST_CASE("binary ops reject incompatible shapes with a clear message") {
  Tensor a = Tensor::zeros({3, 4}), b = Tensor::zeros({5});
  CHECK_THROWS_WITH_AS(add(a, b), doctest::Contains("cannot be broadcast"), Error);
  Tensor ids = Tensor::zeros({3, 4}, DType::I64);
  CHECK_THROWS_WITH_AS(mul(a, ids), doctest::Contains("must be float32"), Error);
}
