// max_pool1d, segment_max and masked_mean (the PoNet pooling primitives): against plain loops,
// tie rules, gradchecks, errors (CUDA vs CPU: the op table, tests/ops_table/).
#include <algorithm>
#include <numeric>

#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {

// Distinct values spaced by 0.1 in shuffled order: no max ties within a gradcheck step of 1e-2.
Tensor separated(const Shape& shape, uint64_t seed, bool requires_grad) {
  const int64_t n = shape_numel(shape);
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), 0.f);
  Rng rng(seed);
  for (int64_t i = n - 1; i > 0; --i) std::swap(v[i], v[rng.randint(0, i + 1)]);
  for (float& x : v) x = 0.1f * x - 0.05f * n;
  Tensor t = Tensor::from_vector(v, shape);
  t.set_requires_grad(requires_grad);
  return t;
}

std::vector<float> naive_window_max(const std::vector<float>& x, int64_t B, int64_t L, int64_t C) {
  std::vector<float> out(x.size());
  for (int64_t b = 0; b < B; ++b)
    for (int64_t l = 0; l < L; ++l)
      for (int64_t c = 0; c < C; ++c) {
        float m = -INFINITY;
        for (int64_t k = std::max<int64_t>(0, l - 1); k <= std::min(L - 1, l + 1); ++k) m = std::max(m, x[(b * L + k) * C + c]);
        out[(b * L + l) * C + c] = m;
      }
  return out;
}

std::vector<float> naive_segment_max(const std::vector<float>& x, const std::vector<int64_t>& ids, int64_t B, int64_t L,
                                     int64_t C) {
  std::vector<float> out(x.size());
  for (int64_t b = 0; b < B; ++b)
    for (int64_t l = 0; l < L; ++l)
      for (int64_t c = 0; c < C; ++c) {
        float m = -INFINITY;
        for (int64_t k = 0; k < L; ++k)
          if (ids[b * L + k] == ids[b * L + l]) m = std::max(m, x[(b * L + k) * C + c]);
        out[(b * L + l) * C + c] = m;
      }
  return out;
}

}  // namespace

TEST_CASE("max_pool1d matches the plain window max, edges included") {
  Rng rng(71);
  Tensor x = random_tensor({2, 9, 5}, rng);
  check_close(max_pool1d(x), naive_window_max(x.to_vector(), 2, 9, 5), 0, 0);
  Tensor one = random_tensor({1, 1, 3}, rng);  // L = 1: the window is the position itself
  check_close(max_pool1d(one), one.to_vector(), 0, 0);
}

TEST_CASE("max_pool1d: gradcheck, ties go to the lowest position, errors") {
  check_gradients([](const std::vector<Tensor>& in) { return max_pool1d(in[0]); }, {separated({2, 7, 3}, 1, true)});
  Tensor tie = Tensor::from_vector({1, 1, 1}, {1, 3, 1}).set_requires_grad(true);
  sum_all(max_pool1d(tie)).backward();
  // windows: {0,1} -> 0, {0,1,2} -> 0, {1,2} -> 1
  check_close(tie.grad(), {2, 1, 0});
  CHECK_THROWS_WITH_AS(max_pool1d(Tensor::zeros({3, 4})), doctest::Contains("must have 3 dims"), Error);
}

TEST_CASE("segment_max matches the plain loop for non-contiguous, unsorted ids") {
  Rng rng(72);
  Tensor x = random_tensor({2, 8, 3}, rng);
  std::vector<int64_t> ids = {5, 5, 0, 9, 0, 9, 9, 5,  /* row 2 */ 0, 1, 1, 2, 3, 3, 4, 5};
  Tensor seg = Tensor::from_vector_i64(ids, {2, 8});
  check_close(segment_max(x, seg), naive_segment_max(x.to_vector(), ids, 2, 8, 3), 0, 0);
}

TEST_CASE("segment_max: gradcheck, the winner gets the whole segment's gradient, ties, errors") {
  Tensor seg = Tensor::from_vector_i64({0, 1, 1, 2, 3, 3, 3, 4, 4}, {1, 9});
  check_gradients([&](const std::vector<Tensor>& in) { return segment_max(in[0], seg); }, {separated({1, 9, 4}, 2, true)});
  Tensor x = Tensor::from_vector({1, 3, 2, 2, 2}, {1, 5, 1}).set_requires_grad(true);
  Tensor ids = Tensor::from_vector_i64({0, 0, 0, 1, 1}, {1, 5});
  segment_max(x, ids).backward(Tensor::from_vector({1, 2, 4, 8, 16}, {1, 5, 1}));
  check_close(x.grad(), {0, 7, 0, 24, 0});  // segment 0 -> position 1; tie in segment 1 -> position 3
  CHECK_THROWS_WITH_AS(segment_max(x, Tensor::from_vector_i64({0, 0, -1, 1, 1}, {1, 5})), doctest::Contains(">= 0"), Error);
  CHECK_THROWS_WITH_AS(segment_max(x, Tensor::from_vector_i64({0, 0, 1}, {1, 3})), doctest::Contains("must have shape"), Error);
}

TEST_CASE("masked_mean: plain loop, gradcheck, a row without real tokens throws") {
  Rng rng(73);
  Tensor x = random_tensor({2, 4, 3}, rng, true);
  Tensor mask = Tensor::from_vector_i64({1, 1, 0, 1, 0, 1, 0, 0}, {2, 4});
  std::vector<float> xv = x.to_vector(), expected(6, 0.f);
  std::vector<int64_t> m = mask.to_vector_i64();
  for (int b = 0; b < 2; ++b) {
    int n = 0;
    for (int l = 0; l < 4; ++l) n += m[b * 4 + l];
    for (int l = 0; l < 4; ++l)
      for (int c = 0; c < 3; ++c)
        if (m[b * 4 + l]) expected[b * 3 + c] += xv[(b * 4 + l) * 3 + c] / n;
  }
  check_close(masked_mean(x, mask), expected, 1e-6, 1e-6);
  check_gradients([&](const std::vector<Tensor>& in) { return masked_mean(in[0], mask); }, {x});
  CHECK_THROWS_WITH_AS(masked_mean(x, Tensor::from_vector_i64({1, 0, 0, 0, 0, 0, 0, 0}, {2, 4})),
                       doctest::Contains("no real position"), Error);
}
