// The pieces of data-parallel training that need no second process (the multi-process test is
// tests/scripts/dist_test.sh): a rank's dropout on its rows of a batch draws exactly the global batch's
// mask at those rows, for every dropout op and through a whole model, recomputation included; the shifted
// counter; the shard bounds; the one-process backend.
#include "autograd/dropout_rows.h"
#include "dist/agreement.h"
#include "dist/communicator.h"
#include "kernels/dropout_hash.h"
#include "nn/ponet_for_pretraining.h"
#include "test_util.h"
#include "tiny_test_config.h"
#include "train/task.h"

using namespace ponet;
using namespace ponet::testing;

namespace {
// Rows [begin, end) of `global` equal `local` exactly (bitwise: the same mask and the same arithmetic).
void check_rows_equal(const Tensor& global, const Tensor& local, int64_t begin) {
  const std::vector<float> g = global.slice(0, begin, begin + local.size(0)).contiguous().to_vector();
  const std::vector<float> l = local.to_vector();
  REQUIRE(g.size() == l.size());
  int64_t differ = 0;
  for (size_t i = 0; i < g.size(); ++i) differ += !(g[i] == l[i]);  // NaN counts as a difference
  CHECK(differ == 0);
}
}  // namespace

TEST_CASE("dropout_seed_at shifts the counter exactly") {
  for (uint64_t seed : {uint64_t{0}, uint64_t{12345}, ~uint64_t{0}})
    for (uint64_t first : {uint64_t{1}, uint64_t{4096}, uint64_t{1} << 40})
      for (uint64_t i = 0; i < 64; ++i) CHECK(dropout_uniform(dropout_seed_at(seed, first), i) == dropout_uniform(seed, first + i));
}

TEST_CASE("DropoutRows: a rank's rows of dropout equal the global batch's rows") {
  Rng data(3);
  const Tensor x = Tensor::randn({6, 5, 8}, data);
  for (int64_t begin : {0, 2, 4}) {
    Rng a(77), b(77);
    const Tensor global = dropout(x, 0.3f, true, a);
    const Tensor local = dropout(x.slice(0, begin, begin + 2).contiguous(), 0.3f, true, b, DropoutRows{begin, 6});
    check_rows_equal(global, local, begin);
    CHECK(a.next_u64() == b.next_u64());  // the same number of draws
  }
  // a rank's share that does not fit the global batch is an error naming the op
  Rng c(1);
  CHECK_THROWS_WITH(dropout(x.slice(0, 0, 2).contiguous(), 0.3f, true, c, DropoutRows{5, 6}),
                    doctest::Contains("dropout: a data-parallel forward holds rows"));
  CHECK_THROWS_WITH(dropout(x.slice(0, 0, 2).contiguous(), 0.3f, true, c, DropoutRows{-1, 6}),
                    doctest::Contains("dropout: a data-parallel forward holds rows"));
}

TEST_CASE("DropoutRows: dropout_add_layer_norm and attention draw the global masks") {
  Rng data(4);
  const Tensor x = Tensor::randn({4, 3, 8}, data), res = Tensor::randn({4, 3, 8}, data);
  const Tensor w = Tensor::randn({8}, data), bias = Tensor::randn({8}, data);
  const Tensor q = Tensor::randn({4, 3, 8}, data), k = Tensor::randn({4, 3, 8}, data), v = Tensor::randn({4, 3, 8}, data);
  const Tensor valid = Tensor::from_vector_i64(std::vector<int64_t>(12, 1), {4, 3});
  for (int64_t begin : {0, 2}) {
    Rng a(9), b(9);
    const Tensor g1 = dropout_add_layer_norm(x, res, w, bias, 0.4f, true, a, 1e-5f);
    const Tensor g2 = attention(q, k, v, valid, 2, 0.4f, true, a);
    const DropoutRows rows{begin, 4};
    auto part = [&](const Tensor& t) { return t.slice(0, begin, begin + 2).contiguous(); };
    const Tensor l1 = dropout_add_layer_norm(part(x), part(res), w, bias, 0.4f, true, b, 1e-5f, rows);
    const Tensor l2 = attention(part(q), part(k), part(v), part(valid), 2, 0.4f, true, b, false, rows);
    check_rows_equal(g1, l1, begin);
    check_rows_equal(g2, l2, begin);
  }
}

TEST_CASE("with the default rows, dropout is the plain draw") {
  Rng data(5);
  const Tensor x = Tensor::randn({3, 7}, data);
  Rng a(11), b(11);
  const Tensor plain = dropout(x, 0.5f, true, a);
  const uint64_t seed = b.next_u64();
  const std::vector<float> xs = x.to_vector(), ys = plain.to_vector();
  for (size_t i = 0; i < xs.size(); ++i) CHECK(ys[i] == xs[i] * dropout_scale(seed, i, 0.5f));
}

namespace {
// A softmax-attention PoNet with every dropout on (embeddings, attention probabilities, both residual
// blocks), and a batch of B rows.
nn::PoNetConfig dropout_config() { return testing::small_test_config(40, 16, 2, 16, 0.2f, "softmax"); }

nn::PoNetInputs rows_of_batch(int64_t B, int64_t L, int64_t begin, int64_t end) {
  Rng rng(6);
  std::vector<int64_t> ids(B * L), labels(B * L, -100), sso(B);
  for (int64_t i = 0; i < B * L; ++i) {
    ids[i] = rng.randint(5, 40);
    if (i % 3 == 0) labels[i] = ids[i];
  }
  for (int64_t b = 0; b < B; ++b) sso[b] = b % 3;
  nn::PoNetInputs in;
  in.input_ids = Tensor::from_vector_i64(ids, {B, L}).slice(0, begin, end).contiguous();
  in.labels = Tensor::from_vector_i64(labels, {B, L}).slice(0, begin, end).contiguous();
  in.next_sentence_label = Tensor::from_vector_i64(sso, {B}).slice(0, begin, end).contiguous();
  return in;
}
}  // namespace

TEST_CASE("DropoutRows through ForwardOptions: a model's rows equal the global batch's, recomputed too") {
  const nn::PoNetConfig c = dropout_config();
  const int64_t B = 4, L = 12;
  nn::PoNetForPreTraining global_model(c, 3);
  global_model.train();
  const nn::PoNetOutputs global = global_model.forward(rows_of_batch(B, L, 0, B));
  // rows [2, 4) alone, told where they sit: every layer's output equals the global batch's rows, bit for bit
  nn::PoNetForPreTraining rank_model(c, 3);
  rank_model.train();
  nn::ForwardOptions fo;
  fo.dropout_rows = {2, B};
  const nn::PoNetOutputs local = rank_model.forward(rows_of_batch(B, L, 2, B), fo);
  REQUIRE(local.hidden_states.size() == global.hidden_states.size());
  for (size_t i = 0; i < global.hidden_states.size(); ++i) {
    CAPTURE(i);
    check_rows_equal(global.hidden_states[i], local.hidden_states[i], 2);
  }
  // Backward with the mixer recomputed (its attention dropout drawn again in backward) gives the
  // gradients of the kept forward: the recomputation draws the same shifted masks.
  auto gradients = [&](nn::Recompute r) {
    nn::PoNetForPreTraining model(c, 3);
    model.train();
    nn::ForwardOptions o;
    o.dropout_rows = {2, B};
    o.recompute = r;
    const nn::PoNetOutputs out = model.forward(rows_of_batch(B, L, 2, B), o);
    add(out.mlm_loss, out.sso_loss).backward();
    std::vector<float> all;
    for (const Tensor& p : model.parameters())
      if (p.grad().defined())
        for (float g : p.grad().to_vector()) all.push_back(g);
    return all;
  };
  const std::vector<float> kept = gradients(nn::Recompute::none), again = gradients(nn::Recompute::all);
  REQUIRE(kept.size() == again.size());
  CHECK(max_abs_diff(kept, again) <= 1e-6);
}

TEST_CASE("Shard: each rank takes its own equal block of rows, in rank order") {
  // Every rank must do its share of the work: a cover in which rank 0 took all 12 rows would train
  // correctly but serially, so each rank's exact rows are checked.
  const std::vector<std::vector<std::pair<int64_t, int64_t>>> rows = {
      {{0, 12}}, {{0, 6}, {6, 12}}, {{0, 4}, {4, 8}, {8, 12}}, {{0, 3}, {3, 6}, {6, 9}, {9, 12}}};
  for (const auto& expected : rows) {
    const int size = static_cast<int>(expected.size());
    for (int r = 0; r < size; ++r) {
      CAPTURE(size);
      CAPTURE(r);
      const train::Shard s{r, size};
      CHECK(s.begin(12) == expected[r].first);
      CHECK(s.end(12) == expected[r].second);
    }
  }
}

TEST_CASE("the one-process communicator is the identity, and a lone rank always agrees") {
  auto comm = dist::make_single_process();
  CHECK(comm->size() == 1);
  std::vector<float> v = {1.5f, -2.f};
  comm->all_reduce_sum(v.data(), 2, Device::cpu());
  CHECK(v == std::vector<float>{1.5f, -2.f});
  CHECK(comm->all_reduce_max(7) == 7);
  CHECK(comm->all_gather("x") == std::vector<std::string>{"x"});
  CHECK_NOTHROW(dist::check_agreement(*comm, {{"a", "1"}}));
  CHECK(dist::file_fingerprint("/nonexistent/file") == "missing");
  if (!dist::launched_as_job()) CHECK(std::string(dist::world().backend()) == "single");
}
