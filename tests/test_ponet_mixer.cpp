// The fused PoNet mixer: what the op table (tests/ops_table/, rows "ponet_mixer": the fused op against the
// plain double loop of tests/ops_table/reference_ponet_mixer.h, gradcheck on all five inputs, CUDA vs CPU)
// does not check: the composed op-by-op version in nn/mixers/ponet.cpp against the same loop, the fused
// op's gradients against the composed one's (two paths through autograd), and errors.
#include <cmath>

#include "nn/mixers/ponet.h"
#include "nn/segment_index.h"
#include "test_util.h"
#include "ponet_mixer_cases.h"
#include "tests/ops_table/reference_ponet_mixer.h"

using namespace ponet;
using namespace ponet::testing;

namespace {

using Case = MixerCase;



// The mixer as plain loops in double (tests/ops_table/reference_ponet_mixer.h), rounded to float.
std::vector<float> naive_mixer(const Case& c) {
  std::vector<double> y = ops_table::naive_ponet_mixer(c.q, c.k, c.o, c.local, c.segment, c.valid, c.segment_ids,
                                                       c.special, c.heads);
  return std::vector<float>(y.begin(), y.end());
}

Tensor fused(const Case& c, const std::vector<Tensor>& x) {
  return ponet_mixer(x[0], x[1], x[2], x[3], x[4], c.valid, c.segment_ids, c.special, c.heads);
}
Tensor composed(const Case& c, const std::vector<Tensor>& x) {
  return nn::ponet_mixer_composed(x[0], x[1], x[2], x[3], x[4], c.valid, c.segment_ids, c.special, c.heads);
}

void check_composed(const Case& c) {
  check_close(composed(c, {c.q, c.k, c.o, c.local, c.segment}), naive_mixer(c), 2e-6, 1e-5);
}

// Gradients of the fused op equal those of the composed op (a different code path through autograd).
void check_fused_gradients_equal_composed(const Case& c) {
  std::vector<Tensor> x{c.q, c.k, c.o, c.local, c.segment};
  Rng rng(9);
  Tensor w = random_tensor(c.q.shape(), rng);
  std::vector<std::vector<float>> grads[2];
  for (int path = 0; path < 2; ++path) {
    for (Tensor& t : x) t.zero_grad();
    (path == 0 ? fused(c, x) : composed(c, x)).backward(w);
    for (Tensor& t : x) grads[path].push_back(t.grad().to_vector());
  }
  for (size_t i = 0; i < x.size(); ++i) {
    CAPTURE(i);
    CHECK(max_abs_diff(grads[0][i], grads[1][i]) < 1e-5);
  }
}

}  // namespace

TEST_CASE("ponet_mixer composed matches the plain loop: special tokens and padding") {
  check_composed(sentences_mixer_case(81, false));
}

TEST_CASE("ponet_mixer composed matches the plain loop: LRA chunks, no special rule") {
  check_composed(chunks_mixer_case(82, false));
}

TEST_CASE("ponet_mixer: fused gradients equal the composed ones") {
  check_fused_gradients_equal_composed(sentences_mixer_case(81, true));
  check_fused_gradients_equal_composed(chunks_mixer_case(82, true));
}

TEST_CASE("ponet_mixer rejects bad arguments") {
  Case c = sentences_mixer_case(81, false);
  auto call = [&](const Tensor& q, const Tensor& valid, const Tensor& seg, int64_t heads) {
    return ponet_mixer(q, c.k, c.o, c.local, c.segment, valid, seg, c.special, heads);
  };
  CHECK_THROWS_WITH_AS(call(c.q, c.valid, c.segment_ids, 3), doctest::Contains("not a multiple of num_heads"), Error);
  CHECK_THROWS_WITH_AS(call(c.q.slice(1, 0, 4), c.valid, c.segment_ids, 2), doctest::Contains("must have shape"), Error);
  Tensor no_real = Tensor::zeros({2, 9}, DType::I64);
  CHECK_THROWS_WITH_AS(call(c.q, no_real, c.segment_ids, 2), doctest::Contains("no real position"), Error);
  Tensor negative = Tensor::from_vector_i64(std::vector<int64_t>(18, -1), {2, 9});
  CHECK_THROWS_WITH_AS(call(c.q, c.valid, negative, 2), doctest::Contains(">= 0"), Error);
}
