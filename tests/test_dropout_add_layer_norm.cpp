// The fused dropout + residual + LayerNorm: what the op table (tests/ops_table/, rows
// "dropout_add_layer_norm": against layer norm of the counter-hash-dropped x plus the residual in double,
// training and eval, gradcheck, CUDA vs CPU) does not check: that it draws from the Rng exactly what
// dropout() draws (so swapping the fused op in keeps a run's random stream), and its errors.
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

TEST_CASE("dropout_add_layer_norm draws from the Rng what dropout draws, training and eval") {
  Rng rng(81);
  Tensor x = random_tensor({3, 8}, rng), residual = random_tensor({3, 8}, rng);
  Tensor w = Tensor::ones({8}), b = Tensor::zeros({8});
  for (bool training : {true, false}) {
    CAPTURE(training);
    Rng unfused(5), fused(5);
    dropout(x, 0.3f, training, unfused);
    dropout_add_layer_norm(x, residual, w, b, 0.3f, training, fused, 1e-5f);
    CHECK(fused.state_str() == unfused.state_str());
  }
}

TEST_CASE("dropout_add_layer_norm rejects a residual of another shape and a bad p") {
  Tensor x = Tensor::zeros({4, 6}), w = Tensor::ones({6}), b = Tensor::zeros({6});
  Rng r(1);
  CHECK_THROWS_WITH_AS(dropout_add_layer_norm(x, Tensor::zeros({4, 5}), w, b, 0.1f, true, r, 1e-5f),
                       doctest::Contains("residual"), Error);
  CHECK_THROWS_WITH_AS(dropout_add_layer_norm(x, Tensor::zeros({4, 6}), w, b, 1.f, true, r, 1e-5f),
                       doctest::Contains("p must be in [0, 1)"), Error);
}
