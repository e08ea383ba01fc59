// gelu, tanh, relu: what the op table (tests/ops_table/, rows "gelu", "tanh", "relu": values against double,
// gradcheck, CUDA vs CPU) does not check: the error on non-float input, for every activation.
#include "test_util.h"

using namespace ponet;

TEST_CASE("gelu, tanh and relu reject non-float input") {
  for (auto [fn, name] : {std::pair{gelu, "gelu"}, std::pair{ponet::tanh, "tanh"}, std::pair{relu, "relu"}}) {
    const std::string message = std::string(name) + ": x must be float32";
    CHECK_THROWS_WITH_AS(fn(Tensor::zeros({2}, DType::I64)), doctest::Contains(message.c_str()), Error);
  }
}
