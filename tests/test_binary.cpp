// add / sub / mul / div with broadcasting: against the naive reference kernel and by gradcheck.
#include "kernels/cpu/binary.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {
using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);

void check_against_reference(cpu::BinaryOp op, BinaryFn fn, const Shape& sa, const Shape& sb) {
  Rng rng(7);
  Tensor a = random_tensor(sa, rng), b = add_scalar(random_tensor(sb, rng), 3.f);  // keep div away from 0
  Tensor out = fn(a, b);
  Shape shape = broadcast_shapes(sa, sb, "test");
  std::vector<float> expected(shape_numel(shape));
  cpu::binary_forward_reference(op, expected.data(), a.data<float>(), broadcast_strides(sa, a.strides(), shape),
                                b.data<float>(), broadcast_strides(sb, b.strides(), shape), shape);
  CHECK(out.shape() == shape);
  check_close(out, expected, 0, 0);
}
}  // namespace

TEST_CASE("binary ops match the naive reference under broadcasting") {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{4, 5}, {4, 5}}, {{4, 5}, {5}}, {{3, 1, 5}, {4, 1}}, {{2, 3, 4}, {}}, {{1}, {2, 3}}, {{6, 1}, {1, 7}}};
  for (auto& [sa, sb] : cases) {
    check_against_reference(cpu::BinaryOp::Add, add, sa, sb);
    check_against_reference(cpu::BinaryOp::Sub, sub, sa, sb);
    check_against_reference(cpu::BinaryOp::Mul, mul, sa, sb);
    check_against_reference(cpu::BinaryOp::Div, div, sa, sb);
  }
}

TEST_CASE("binary ops: gradcheck with broadcasting on both sides") {
  Rng rng(3);
  Tensor a = random_tensor({3, 1, 4}, rng, true);
  Tensor b = random_tensor({5, 1}, rng, true);
  check_gradients([](const std::vector<Tensor>& x) { return add(x[0], x[1]); }, {a, b});
  check_gradients([](const std::vector<Tensor>& x) { return sub(x[0], x[1]); }, {a, b});
  check_gradients([](const std::vector<Tensor>& x) { return mul(x[0], x[1]); }, {a, b});
  Tensor c = add_scalar(random_tensor({5, 1}, rng), 4.f).detach();
  c.set_requires_grad(true);
  check_gradients([](const std::vector<Tensor>& x) { return div(x[0], x[1]); }, {a, c});
}

TEST_CASE("binary ops work on non-contiguous views") {
  Rng rng(5);
  Tensor a = random_tensor({4, 6}, rng);
  Tensor at = a.transpose(0, 1);  // [6, 4] view
  Tensor b = random_tensor({6, 4}, rng);
  Tensor out = add(at, b);
  std::vector<float> av = a.to_vector(), bv = b.to_vector(), expected(24);
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 4; ++j) expected[i * 4 + j] = av[j * 6 + i] + bv[i * 4 + j];
  check_close(out, expected, 0, 0);
}

TEST_CASE("binary ops reject incompatible shapes with a clear message") {
  Tensor a = Tensor::zeros({3, 4}), b = Tensor::zeros({5});
  CHECK_THROWS_WITH_AS(add(a, b), doctest::Contains("cannot be broadcast"), Error);
  Tensor ids = Tensor::zeros({3, 4}, DType::I64);
  CHECK_THROWS_WITH_AS(mul(a, ids), doctest::Contains("must be float32"), Error);
}
