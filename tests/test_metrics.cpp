// train/metrics: argmax_rows and argmax_accuracy against a plain loop over a copied vector, on the
// parallel path (a logits-sized input), with ties, NaN and a non-contiguous view.
#include <omp.h>

#include <cmath>
#include <limits>

#include "test_util.h"
#include "train/metrics.h"

using namespace ponet;
using ponet::testing::random_tensor;

namespace {

// The first index of the row maximum; NaN never compares greater.
std::vector<int64_t> naive_argmax(const std::vector<float>& v, int64_t n, int64_t c) {
  std::vector<int64_t> best(n, 0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 1; j < c; ++j)
      if (v[i * c + j] > v[i * c + best[i]]) best[i] = j;
  return best;
}

}  // namespace

TEST_CASE("argmax_rows matches a plain loop: parallel path, ties, NaN, any thread count") {
  Rng rng(91);
  const int64_t n = 300, c = 1000;  // above the parallel threshold
  Tensor x = random_tensor({n, c}, rng);
  std::vector<float> v = x.to_vector();
  // ties: row 1 has its maximum twice (the first wins); row 2 holds a NaN before its maximum; row 3 is
  // NaN at 0 (nothing is greater than NaN, so index 0); row 4 is constant
  v[1 * c + 10] = 9.f;
  v[1 * c + 20] = 9.f;
  v[2 * c + 5] = std::numeric_limits<float>::quiet_NaN();
  v[2 * c + 7] = 8.f;
  v[3 * c + 0] = std::numeric_limits<float>::quiet_NaN();
  for (int64_t j = 0; j < c; ++j) v[4 * c + j] = 1.f;
  Tensor t = Tensor::from_vector(v, {n, c});
  const std::vector<int64_t> want = naive_argmax(v, n, c);
  REQUIRE(want[1] == 10);
  REQUIRE(want[2] == 7);
  REQUIRE(want[3] == 0);
  REQUIRE(want[4] == 0);
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    CHECK(train::argmax_rows(t) == want);
  }
  omp_set_num_threads(omp_get_num_procs());

  // a wrong answer is seen: one changed maximum moves one index
  std::vector<float> w = v;
  w[0 * c + 999] = 100.f;
  CHECK(train::argmax_rows(Tensor::from_vector(w, {n, c})) != want);
}

TEST_CASE("argmax_rows reads a transposed view, and argmax_accuracy skips the ignored targets") {
  Rng rng(92);
  Tensor x = random_tensor({5, 7}, rng);  // the logits are x^T: [7, 5], not contiguous
  Tensor xt = x.transpose(0, 1);
  REQUIRE(!xt.is_contiguous());
  std::vector<float> v = xt.contiguous().to_vector();
  const std::vector<int64_t> want = naive_argmax(v, 7, 5);
  CHECK(train::argmax_rows(xt) == want);

  std::vector<int64_t> targets(want.begin(), want.end());
  targets[0] = (targets[0] + 1) % 5;  // one wrong
  targets[1] = -100;                  // one ignored
  const train::Accuracy acc = train::argmax_accuracy(xt, Tensor::from_vector_i64(targets, {7}), -100);
  CHECK(acc.total == 6);
  CHECK(acc.correct == 5);
}

TEST_CASE("argmax_row (vectorised lanes) equals argmax_row_reference: lengths, ties across lanes, NaN, -inf, tails") {
  Rng rng(93);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  int64_t checked = 0;
  for (int64_t c : {1, 2, 15, 16, 31, 32, 33, 47, 64, 100, 257, 8000}) {
    for (int variant = 0; variant < 8; ++variant) {
      std::vector<float> v = random_tensor({c}, rng).to_vector();
      const int64_t a = rng.randint(0, c), b = rng.randint(0, c);
      switch (variant) {
        case 1: v[a] = v[b] = 50.f; break;                    // a tie, possibly in two lanes
        case 2: v[a] = nan; break;                           // a NaN anywhere (at 0: index 0)
        case 3: for (float& x : v) x = -inf; break;          // nothing greater than -inf
        case 4: v[c - 1] = 50.f; break;                      // the maximum in the tail
        case 5: for (float& x : v) x = 2.f; break;           // constant
        case 6: v[a] = nan; v[b] = inf; break;               // NaN and +inf
        case 7: for (int64_t j = 0; j < c; j += 3) v[j] = nan; break;  // many NaN
        default: break;
      }
      CHECK_MESSAGE(train::argmax_row(v.data(), c) == train::argmax_row_reference(v.data(), c),
                    "c = ", c, ", variant ", variant);
      ++checked;
    }
  }
  CHECK(checked == 96);
  // the comparison can fail: a row whose first maximum the reference finds at 40 (lane 8), with a tie
  // at 72 in the same lane and at 41 in another; a merge that kept the last tie would say 72 or 41
  std::vector<float> v(100, 0.f);
  v[40] = v[41] = v[72] = 7.f;
  CHECK(train::argmax_row_reference(v.data(), 100) == 40);
  CHECK(train::argmax_row(v.data(), 100) == 40);
  CHECK(train::argmax_row(v.data(), 100) != 72);
}
