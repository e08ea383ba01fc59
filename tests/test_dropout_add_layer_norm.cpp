// The fused dropout + residual + LayerNorm against the unfused ops it replaces (same seed, so the same
// mask), a gradcheck with a fixed mask, its errors (the CUDA twin against the CPU: the op table, tests/ops_table/).
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {

struct Case {
  Tensor x, residual, weight, bias;
};

Case make_case(Rng& rng, const Shape& shape) {
  const int64_t D = shape.back();
  return {random_tensor(shape, rng, true), random_tensor(shape, rng, true), random_tensor({D}, rng, true),
          random_tensor({D}, rng, true)};
}

void zero_grads(Case& c) {
  for (Tensor* t : {&c.x, &c.residual, &c.weight, &c.bias}) t->zero_grad();
}

}  // namespace

TEST_CASE("dropout_add_layer_norm equals layer_norm of dropout plus residual, values and gradients") {
  Rng rng(81);
  Case c = make_case(rng, {3, 50, 24});
  Tensor w = random_tensor({3, 50, 24}, rng);
  for (bool training : {true, false}) {
    Rng draw_unfused(5), draw_fused(5);
    zero_grads(c);
    Tensor ref = layer_norm(add(dropout(c.x, 0.3f, training, draw_unfused), c.residual), c.weight, c.bias, 1e-5f);
    ref.backward(w);
    std::vector<Tensor> ref_grads{c.x.grad(), c.residual.grad(), c.weight.grad(), c.bias.grad()};
    zero_grads(c);
    Tensor got = dropout_add_layer_norm(c.x, c.residual, c.weight, c.bias, 0.3f, training, draw_fused, 1e-5f);
    got.backward(w);
    INFO("training ", training);
    check_close(got, ref, 1e-6, 1e-6);
    check_close(c.x.grad(), ref_grads[0], 1e-5, 1e-5);
    check_close(c.residual.grad(), ref_grads[1], 1e-5, 1e-5);
    check_close(c.weight.grad(), ref_grads[2], 1e-4, 1e-5);
    check_close(c.bias.grad(), ref_grads[3], 1e-4, 1e-5);
    CHECK(draw_fused.next_u64() == draw_unfused.next_u64());  // both consumed the same draws
  }
}

TEST_CASE("dropout_add_layer_norm: gradcheck with a fixed mask, and errors") {
  Rng rng(82);
  Case c = make_case(rng, {4, 6});
  check_gradients(
      [](const std::vector<Tensor>& in) {
        Rng fixed(9);  // the same mask on every evaluation
        return dropout_add_layer_norm(in[0], in[1], in[2], in[3], 0.25f, true, fixed, 1e-5f);
      },
      {c.x, c.residual, c.weight, c.bias});
  Rng r(1);
  CHECK_THROWS_WITH_AS(dropout_add_layer_norm(c.x, Tensor::zeros({4, 5}), c.weight, c.bias, 0.1f, true, r, 1e-5f),
                       doctest::Contains("residual"), Error);
  CHECK_THROWS_WITH_AS(dropout_add_layer_norm(c.x, c.residual, c.weight, c.bias, 1.f, true, r, 1e-5f),
                       doctest::Contains("p must be in [0, 1)"), Error);
}
