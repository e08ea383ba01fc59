// Recomputation in backward (nn/recompute.h): every level trains as `none` does (dropout on), for the
// PoNet and the softmax mixer, post-LN and pre-LN blocks, and keeps less. gelu and ffn: the loss and
// every gradient to the bit. all: the layer input's gradient is the same sum in another order (the mixer's five projections are added
// up inside the recomputation, then added to the residual's), so below that layer it agrees to rounding.
#include "core/memory_stats.h"
#include "nn/ponet_for_pretraining.h"
#include "nn/recompute.h"
#include "test_util.h"
#include "tiny_test_config.h"

using namespace ponet;
using namespace ponet::nn;

namespace {

// attention dropout is drawn inside the recomputed mixer of the softmax model
PoNetConfig small_config(const std::string& mixer) { return testing::small_test_config(50, 32, 2, 64, 0.1f, mixer); }

PoNetInputs batch(const PoNetConfig& c, int64_t B, int64_t L) {
  Rng rng(4);
  std::vector<int64_t> ids(B * L), labels(B * L, -100), sso(B);
  for (int64_t i = 0; i < B * L; ++i) {
    ids[i] = rng.randint(5, c.vocab_size);
    if (i % 5 == 1) labels[i] = ids[i];
  }
  for (int64_t b = 0; b < B; ++b) {
    ids[b * L] = c.cls_token_id;
    ids[b * L + L / 2] = ids[b * L + L - 1] = c.sep_token_id;
    sso[b] = b % 3;
  }
  PoNetInputs in;
  in.input_ids = Tensor::from_vector_i64(ids, {B, L});
  in.labels = Tensor::from_vector_i64(labels, {B, L});
  in.next_sentence_label = Tensor::from_vector_i64(sso, {B});
  return in;
}

struct Step {
  float loss = 0;
  std::map<std::string, std::vector<float>> grads;
  size_t peak = 0;  // allocator peak during forward + backward, above what was live before
};

Step train_step(const PoNetConfig& c, Recompute r, int64_t B = 3, int64_t L = 24) {
  PoNetForPreTraining model(c, 9);
  model.train();
  const PoNetInputs in = batch(c, B, L);
  ForwardOptions fo;
  fo.logits_for_labels_only = true;
  fo.recompute = r;
  const size_t before = memory_stats(Device::cpu()).in_use;
  reset_peak_memory(Device::cpu());
  Step s;
  {
    PoNetOutputs out = model.forward(in, fo);
    const Tensor loss = add(out.mlm_loss, out.sso_loss);
    s.loss = loss.item();
    loss.backward();
  }
  s.peak = memory_stats(Device::cpu()).peak - before;
  for (auto& [name, p] : model.named_parameters())
    if (p.grad().defined()) s.grads[name] = p.grad().to_vector();
  return s;
}

}  // namespace

TEST_CASE("recompute: every level gives the loss and gradients of none (gelu, ffn: to the bit)") {
  std::vector<std::pair<const char*, LayerNormPosition>> cases;
  for (const char* mixer : {"ponet", "softmax"})
    for (LayerNormPosition position : {LayerNormPosition::post, LayerNormPosition::pre}) cases.emplace_back(mixer, position);
  for (auto [mixer, position] : cases) {
    PoNetConfig c = small_config(mixer);
    c.layer_norm_position = position;  // pre-LN: each LayerNorm recomputed with its sublayer
    const Step plain = train_step(c, Recompute::none);
    REQUIRE(plain.grads.size() > 10);
    for (Recompute r : {Recompute::gelu, Recompute::ffn, Recompute::all}) {
      const std::string what =
          std::string(mixer) + " " + layer_norm_position_name(position) + "-LN / " + recompute_name(r);
      CAPTURE(what);
      const Step s = train_step(c, r);
      CHECK(s.loss == plain.loss);
      REQUIRE(s.grads.size() == plain.grads.size());
      for (auto& [name, g] : plain.grads) {
        CAPTURE(name);
        const double diff = testing::max_abs_diff(s.grads.at(name), g);
        if (r == Recompute::all) CHECK(diff <= 1e-6);
        else CHECK(diff == 0.0);
      }
    }
  }
}

TEST_CASE("recompute: each level keeps less than the one before it") {
  for (LayerNormPosition position : {LayerNormPosition::post, LayerNormPosition::pre}) {
    PoNetConfig c = small_config("ponet");
    c.layer_norm_position = position;
    size_t previous = train_step(c, Recompute::none, 8, 64).peak;
    for (Recompute r : {Recompute::gelu, Recompute::ffn, Recompute::all}) {
      const std::string what = std::string(layer_norm_position_name(position)) + "-LN / " + recompute_name(r);
      CAPTURE(what);
      const size_t peak = train_step(c, r, 8, 64).peak;
      CHECK(peak < previous);
      previous = peak;
    }
  }
}

TEST_CASE("recompute: level names parse, and a bad one is a clear error") {
  for (Recompute r : {Recompute::none, Recompute::gelu, Recompute::ffn, Recompute::all})
    CHECK(parse_recompute(recompute_name(r)) == r);
  CHECK_THROWS_WITH_AS(parse_recompute("most"), doctest::Contains("'most' (none, gelu, ffn or all)"), Error);
}
