// The blocked transpose copy against the plain loop, and contiguous() of transposed views using it.
#include "kernels/cpu/transpose.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

TEST_CASE("transpose_copy matches the plain loop across tile edges") {
  Rng rng(91);
  for (auto [b, r, c] : {std::tuple{1, 1, 7}, {2, 33, 65}, {3, 64, 32}, {1, 100, 3}}) {
    Tensor x = random_tensor({b, r, c}, rng);
    std::vector<float> fast(b * r * c), slow(b * r * c);
    cpu::transpose_copy(fast.data(), x.data<float>(), b, r, c);
    cpu::transpose_copy_reference(slow.data(), x.data<float>(), b, r, c);
    CHECK(fast == slow);
  }
}

TEST_CASE("contiguous() of a last-two-dims transpose equals the element-wise definition, gradcheck") {
  Rng rng(92);
  Tensor x = random_tensor({2, 3, 5, 7}, rng, true);
  Tensor t = x.transpose(-1, -2).contiguous();
  CHECK(t.shape() == Shape{2, 3, 7, 5});
  std::vector<float> xv = x.to_vector(), tv = t.to_vector();
  for (int b = 0; b < 6; ++b)
    for (int i = 0; i < 5; ++i)
      for (int j = 0; j < 7; ++j) CHECK(tv[b * 35 + j * 5 + i] == xv[b * 35 + i * 7 + j]);
  check_gradients([](const std::vector<Tensor>& in) { return in[0].transpose(2, 3).contiguous(); }, {x});
}
