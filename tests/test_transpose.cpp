// The blocked transpose copy against its plain loop (kernels/cpu/transpose.h), across tile edges. The op
// table's "transpose" rows check contiguous() of transposed views and the gradient.
#include "kernels/cpu/transpose.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

TEST_CASE("transpose_copy equals its plain loop across tile edges") {
  Rng rng(91);
  for (auto [b, r, c] : {std::tuple{1, 1, 7}, {2, 33, 65}, {3, 64, 32}, {1, 100, 3}}) {
    Tensor x = random_tensor({b, r, c}, rng);
    std::vector<float> fast(b * r * c), slow(b * r * c);
    cpu::transpose_copy(fast.data(), x.data<float>(), b, r, c);
    cpu::transpose_copy_reference(slow.data(), x.data<float>(), b, r, c);
    CHECK(fast == slow);
  }
}
