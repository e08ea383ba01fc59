// add / sub / mul / div: what the op table (tests/ops_table/, rows "add", "sub", "mul", "div": every
// broadcast pattern and strided inputs against double to half an ulp, gradcheck, CUDA vs CPU) does not
// check: the optimized kernel equals its plain loop bit for bit, and the errors on shapes that do not
// broadcast and on int64 input.
#include "kernels/cpu/binary.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

TEST_CASE("binary_forward equals binary_forward_reference bit for bit under broadcasting and strides") {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{4, 5}, {4, 5}}, {{4, 5}, {5}}, {{3, 1, 5}, {4, 1}}, {{2, 3, 4}, {}}, {{1}, {2, 3}}, {{6, 1}, {1, 7}}, {{37, 65}, {65}}};
  Rng rng(7);
  for (auto& [sa, sb] : cases)
    for (cpu::BinaryOp op : {cpu::BinaryOp::Add, cpu::BinaryOp::Sub, cpu::BinaryOp::Mul, cpu::BinaryOp::Div}) {
      const Tensor a = random_tensor(sa, rng), b = add_scalar(random_tensor(sb, rng), 3.f);  // div away from 0
      const Shape shape = broadcast_shapes(sa, sb, "test");
      const auto as = broadcast_strides(sa, a.strides(), shape), bs = broadcast_strides(sb, b.strides(), shape);
      std::vector<float> fast(shape_numel(shape)), slow(shape_numel(shape));
      cpu::binary_forward(op, fast.data(), a.data<float>(), as, b.data<float>(), bs, shape);
      cpu::binary_forward_reference(op, slow.data(), a.data<float>(), as, b.data<float>(), bs, shape);
      CHECK(fast == slow);
    }
}

TEST_CASE("binary ops reject incompatible shapes with a clear message") {
  Tensor a = Tensor::zeros({3, 4}), b = Tensor::zeros({5});
  CHECK_THROWS_WITH_AS(add(a, b), doctest::Contains("cannot be broadcast"), Error);
  Tensor ids = Tensor::zeros({3, 4}, DType::I64);
  CHECK_THROWS_WITH_AS(mul(a, ids), doctest::Contains("must be float32"), Error);
}
