// softmax / log_softmax over the last dim: what the op table (tests/ops_table/, rows "softmax",
// "log_softmax": values against double for inputs in [-4, 4], gradcheck, CUDA vs CPU) does not check:
// logits far outside that range, and the error on an empty last dim.
#include <cmath>

#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

TEST_CASE("softmax and log_softmax of huge logits: no overflow") {
  // exp(1001) overflows float and double: only the max-subtracted form gets these right
  Tensor big = Tensor::from_vector({1000.f, 1001.f, -1000.f}, {1, 3});
  const double z = 1 + std::exp(-1.0);  // sum of exp(x - 1001) over the two that matter
  check_close(softmax(big), {static_cast<float>(std::exp(-1.0) / z), static_cast<float>(1 / z), 0.f}, 1e-7, 1e-6);
  check_close(log_softmax(big), {static_cast<float>(-1 - std::log(z)), static_cast<float>(-std::log(z)), static_cast<float>(-2001 - std::log(z))},
              1e-4, 1e-6);
}

TEST_CASE("softmax and log_softmax reject an empty last dim") {
  CHECK_THROWS_WITH_AS(softmax(Tensor::zeros({3, 0})), doctest::Contains("non-empty last dim"), Error);
  CHECK_THROWS_WITH_AS(log_softmax(Tensor::zeros({3, 0})), doctest::Contains("non-empty last dim"), Error);
}
