// The causal mixers (nn/mixers/ponet_causal.h, nn/mixers/softmax_causal.h): changing any token after t
// leaves every output up to t unchanged, in each branch of the causal PoNet (GA, SMP, LMP) and in the
// fused output, forward and gradient with respect to the earlier inputs; the same check reports the
// non-causal PoNet mixer as leaking (so the check can fail); right padding never reaches a real row.
#include <functional>

#include "nn/incremental_mixer.h"
#include "nn/mixers/ponet_causal.h"
#include "nn/ponet_for_causal_lm.h"
#include "nn/segment_index.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::nn;
using namespace ponet::testing;

namespace {

constexpr int64_t B = 2, L = 13, D = 8;

MixerOptions options(Rng* rng) {
  MixerOptions m;
  m.dim = D;
  m.num_heads = 2;
  m.head_dim = D / 2;
  m.init = {rng, 0.4f};
  m.dropout_rng = rng;
  m.causal_segment_length = 4;  // segments 0-3, 4-7, 8-11, 12
  return m;
}

// How far outputs at positions <= t move when the inputs after t are redrawn: the largest change of an
// output (forward), of the gradient of sum(w * outputs[:, :t+1]) with respect to inputs <= t, and the
// largest such gradient with respect to the inputs after t (which a causal function leaves at 0).
struct Leak {
  double forward = 0, gradient_before = 0, gradient_after = 0;
  double worst() const { return std::max({forward, gradient_before, gradient_after}); }
};

using Outputs = std::function<std::vector<Tensor>(const Tensor&)>;

Leak causality_leak(const Outputs& f, const Tensor& x, int64_t t, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> changed = x.to_vector();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t l = t + 1; l < L; ++l)
      for (int64_t c = 0; c < D; ++c) changed[(b * L + l) * D + c] = rng.normal(0.f, 3.f);
  Leak leak;
  const std::vector<Tensor> base = f(x.detach());
  for (size_t j = 0; j < base.size(); ++j) {
    Tensor w = random_tensor({B, t + 1, base[j].size(2)}, rng);
    std::vector<std::vector<float>> grads;
    std::vector<Tensor> prefixes;
    for (const std::vector<float>& values : {x.to_vector(), changed}) {
      Tensor in = Tensor::from_vector(values, {B, L, D}).set_requires_grad(true);
      Tensor prefix = f(in)[j].slice(1, 0, t + 1);
      prefixes.push_back(prefix.detach().contiguous());
      sum_all(mul(prefix, w)).backward();
      grads.push_back(in.grad().to_vector());
    }
    leak.forward = std::max(leak.forward, max_abs_diff(prefixes[0].to_vector(), prefixes[1].to_vector()));
    for (int64_t b = 0; b < B; ++b)
      for (int64_t l = 0; l < L; ++l)
        for (int64_t c = 0; c < D; ++c) {
          const size_t i = static_cast<size_t>((b * L + l) * D + c);
          if (l <= t) leak.gradient_before = std::max<double>(leak.gradient_before, std::abs(grads[0][i] - grads[1][i]));
          else leak.gradient_after = std::max<double>(leak.gradient_after, std::max(std::abs(grads[0][i]), std::abs(grads[1][i])));
        }
  }
  return leak;
}

BatchContext all_real() {
  return make_batch_context(Tensor::from_vector_i64(std::vector<int64_t>(B * L, 1), {B, L}), Tensor(), Tensor(),
                            Device::cpu());
}

}  // namespace

TEST_CASE("causal PoNet: every branch and the output are causal, forward and gradient") {
  Rng init(1), data(2);
  PoNetCausalMixer mixer(options(&init));
  mixer.eval();
  const BatchContext ctx = all_real();
  Tensor x = random_tensor({B, L, D}, data);
  const Precision fp32 = Precision::fp32;
  Outputs branches = [&](const Tensor& in) {
    CausalMixerTrace trace;
    Tensor y = ponet_causal_mixer_composed(mixer.q->forward(in, fp32), mixer.k->forward(in, fp32), mixer.o->forward(in, fp32),
                                           mixer.local->forward(in, fp32), mixer.segment->forward(in, fp32), ctx.pad_rows, 2, 4,
                                           &trace);
    return std::vector<Tensor>{trace.ga, trace.smp, trace.lmp, y};
  };
  for (int64_t t : {0, 2, 3, 4, 7, 11}) {
    CAPTURE(t);
    const Leak leak = causality_leak(branches, x, t, 10 + t);
    CHECK(leak.forward == 0);  // positions <= t compute exactly the same numbers
    CHECK(leak.gradient_before < 1e-6);
    CHECK(leak.gradient_after == 0);
  }
  // the mixer's own forward is the same function
  check_close(mixer.forward(x, ctx), branches(x)[3], 0, 0);
}

TEST_CASE("causal softmax attention is causal, forward and gradient") {
  Rng init(1), data(2);
  auto mixer = make_token_mixer("softmax_causal", options(&init));
  mixer->eval();
  const BatchContext ctx = all_real();
  Tensor x = random_tensor({B, L, D}, data);
  Outputs out = [&](const Tensor& in) { return std::vector<Tensor>{mixer->forward(in, ctx)}; };
  for (int64_t t : {0, 5, 11}) {
    CAPTURE(t);
    const Leak leak = causality_leak(out, x, t, 20 + t);
    CHECK(leak.forward < 1e-6);  // exp(-10000 - max) is exactly 0; the sums may be ordered differently
    CHECK(leak.gradient_before < 1e-6);
    CHECK(leak.gradient_after == 0);
  }
}

TEST_CASE("the causality check fails on the non-causal mixers") {
  // PoNet's GA, SMP and LMP and softmax attention all look ahead: the same check must see it
  Rng init(1), data(2);
  const BatchContext plain = all_real();
  BatchContext chunks = make_batch_context(Tensor::from_vector_i64(std::vector<int64_t>(B * L, 1), {B, L}),
                                           fixed_chunk_segment_index(B, L, 3), Tensor(), Device::cpu());
  Tensor x = random_tensor({B, L, D}, data);
  for (const char* name : {"ponet", "softmax"}) {
    CAPTURE(name);
    auto mixer = make_token_mixer(name, options(&init));
    mixer->eval();
    const BatchContext& ctx = std::string(name) == "ponet" ? chunks : plain;
    Outputs out = [&](const Tensor& in) { return std::vector<Tensor>{mixer->forward(in, ctx)}; };
    const Leak leak = causality_leak(out, x, 5, 30);
    CHECK(leak.forward > 1e-3);
    CHECK(leak.gradient_after > 1e-3);
    CHECK_FALSE(as_incremental(*mixer));
  }
  CHECK(causal_mixer_names() == std::vector<std::string>{"ponet_causal", "softmax_causal"});
}

TEST_CASE("causal LM: right padding never reaches a real position, and left padding is refused") {
  PoNetConfig c;
  c.vocab_size = 40;
  c.hidden_size = 16;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.intermediate_size = 32;
  c.max_position_embeddings = 16;
  c.hidden_dropout_prob = 0.f;
  c.attention_probs_dropout_prob = 0.f;
  c.causal_segment_length = 3;
  c.pad_token_id = 0;
  c.cls_token_id = 1;
  c.sep_token_id = 2;
  c.mask_token_id = 3;
  for (const char* mixer : {"ponet_causal", "softmax_causal"}) {
    CAPTURE(mixer);
    c.mixer = mixer;
    PoNetForCausalLM model(c, 5);
    model.eval();
    PoNetInputs alone, padded;
    alone.input_ids = Tensor::from_vector_i64({5, 9, 11, 3, 7}, {1, 5});
    padded.input_ids = Tensor::from_vector_i64({5, 9, 11, 3, 7, 0, 0, 0, /**/ 4, 8, 12, 16, 20, 24, 28, 32}, {2, 8});
    padded.attention_mask = Tensor::from_vector_i64({1, 1, 1, 1, 1, 0, 0, 0, /**/ 1, 1, 1, 1, 1, 1, 1, 1}, {2, 8});
    Tensor a = model.forward(alone).logits;
    Tensor p = model.forward(padded).logits.slice(0, 0, 1).slice(1, 0, 5).contiguous();
    check_close(p, a, 1e-5, 1e-5);
    padded.attention_mask = Tensor::from_vector_i64({0, 1, 1, 1, 1, 1, 1, 1, /**/ 1, 1, 1, 1, 1, 1, 1, 1}, {2, 8});
    CHECK_THROWS_WITH_AS(model.forward(padded), doctest::Contains("is not right-padded"), Error);
  }
  c.mixer = "ponet";
  CHECK_THROWS_WITH_AS(PoNetForCausalLM(c, 0), doctest::Contains("mixer \"ponet\" is not causal"), Error);
}
