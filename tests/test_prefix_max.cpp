// prefix_max, the causal pool of the causal PoNet: the fast CPU kernel against its plain reference on
// random inputs (every segment/window combination), ties, a finite-difference gradcheck and errors. The op
// table (tests/ops_table/, rows "prefix_max") also checks values against double loops and CUDA vs CPU.
#include "autograd/gradcheck.h"
#include "kernels/cpu/prefix_max.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

TEST_CASE("prefix_max: the fast kernel equals the reference for every segment and window") {
  Rng rng(7);
  const int64_t B = 3, L = 37, C = 5;
  Tensor x = random_tensor({B, L, C}, rng);
  for (int64_t seg : {0, 1, 4, 10, 50})
    for (int64_t win : {0, 1, 3, 8}) {
      std::vector<float> fast(B * L * C), ref(B * L * C);
      std::vector<int64_t> fast_arg(B * L * C), ref_arg(B * L * C);
      cpu::prefix_max_forward(fast.data(), fast_arg.data(), x.data<float>(), B, L, C, seg, win);
      cpu::prefix_max_forward_reference(ref.data(), ref_arg.data(), x.data<float>(), B, L, C, seg, win);
      CAPTURE(seg);
      CAPTURE(win);
      CHECK(fast == ref);
      CHECK(fast_arg == ref_arg);
      // causal: every winner lies in [start(t), t]
      for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < L; ++t)
          for (int64_t c = 0; c < C; ++c) {
            const int64_t w = fast_arg[(b * L + t) * C + c];
            CHECK((w <= t && w >= cpu::prefix_max_start(t, seg, win)));
          }
    }
}

TEST_CASE("prefix_max: ties go to the lowest position, and the winner collects the gradients") {
  Tensor x = Tensor::from_vector({2, 1, 2, 3, 3}, {1, 5, 1}).set_requires_grad(true);
  Tensor y = prefix_max(x, 0, 0);
  check_close(y, {2, 2, 2, 3, 3});
  y.backward(Tensor::from_vector({1, 2, 4, 8, 16}, {1, 5, 1}));
  check_close(x.grad(), {7, 0, 0, 24, 0});  // the tie at 0/2 goes to 0, the tie at 3/4 to 3
  Tensor z = Tensor::from_vector({5, 1, 2, 0}, {1, 4, 1}).set_requires_grad(true);
  check_close(prefix_max(z, 2, 0), {5, 5, 2, 2});  // segments {0,1} {2,3}
  check_close(prefix_max(z, 0, 2), {5, 5, 2, 2});  // windows [t-1, t]
}

TEST_CASE("prefix_max: finite-difference gradient") {
  // distinct values (gap 0.05 > 2 eps) so the step never changes a winner
  std::vector<float> v(2 * 9 * 3);
  for (size_t i = 0; i < v.size(); ++i) v[i] = 0.05f * static_cast<float>((i * 17) % v.size());
  Tensor x = Tensor::from_vector(v, {2, 9, 3}).set_requires_grad(true);
  for (auto [seg, win] : {std::pair<int64_t, int64_t>{4, 0}, {0, 3}, {3, 2}}) {
    auto r = autograd::gradcheck([seg = seg, win = win](const std::vector<Tensor>& in) { return prefix_max(in[0], seg, win); },
                                 {x});
    CHECK_MESSAGE(r.ok, r.message);
  }
}

TEST_CASE("prefix_max: errors") {
  CHECK_THROWS_WITH_AS(prefix_max(Tensor::zeros({3, 4}), 0, 0), doctest::Contains("must have 3 dims"), Error);
  CHECK_THROWS_WITH_AS(prefix_max(Tensor::zeros({1, 3, 4}), -1, 0), doctest::Contains("must be >= 0"), Error);
}
