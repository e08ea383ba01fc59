// Generation (nn/causal_decoder.h, nn/sampling.h): the logits of an incremental decode equal those of the
// full causal forward of the same tokens, for both causal mixers and both block layouts (post-LN, pre-LN);
// the causal PoNet's state keeps its size while the key/value cache grows; sampling is deterministic for
// a seed; temperature, top-k and top-p act as documented on a hand-made distribution.
#include <cmath>

#include "nn/causal_decoder.h"
#include "nn/sampling.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::nn;
using namespace ponet::testing;

namespace {

PoNetConfig tiny_lm(const std::string& mixer) {
  PoNetConfig c;
  c.vocab_size = 50;
  c.hidden_size = 16;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.intermediate_size = 32;
  c.max_position_embeddings = 40;
  c.hidden_dropout_prob = 0.f;
  c.attention_probs_dropout_prob = 0.f;
  c.initializer_range = 0.3f;  // far from uniform attention and far from tied maxima
  c.pad_token_id = 0;
  c.cls_token_id = 1;
  c.sep_token_id = 2;
  c.mask_token_id = 3;
  c.causal_segment_length = 7;
  c.mixer = mixer;
  return c;
}

}  // namespace

TEST_CASE("incremental decoding equals the full causal forward, for both causal mixers, post-LN and pre-LN") {
  std::vector<std::pair<const char*, LayerNormPosition>> cases;
  for (const char* mixer : {"ponet_causal", "softmax_causal"})
    for (LayerNormPosition position : {LayerNormPosition::post, LayerNormPosition::pre}) cases.emplace_back(mixer, position);
  for (auto [mixer, position] : cases) {
    const std::string what = std::string(mixer) + " " + layer_norm_position_name(position) + "-LN";
    CAPTURE(what);
    PoNetConfig config = tiny_lm(mixer);
    config.layer_norm_position = position;
    PoNetForCausalLM model(config, 3);
    model.eval();
    Rng rng(4);
    const int64_t L = 40;  // every position the model has: several SMP segments
    std::vector<int64_t> ids(L);
    for (int64_t& id : ids) id = rng.randint(4, 50);
    PoNetInputs in;
    in.input_ids = Tensor::from_vector_i64(ids, {1, L});
    const std::vector<float> full = model.forward(in).logits.to_vector();  // [1, L, 50]
    CausalDecoder decoder(model);
    double worst = 0, scale = 0;
    std::vector<int64_t> sizes;
    for (int64_t t = 0; t < L; ++t) {
      const std::vector<float> step = decoder.feed(ids[t]);
      REQUIRE(step.size() == 50);
      for (int64_t v = 0; v < 50; ++v) {
        const float a = step[v], b = full[t * 50 + v];
        REQUIRE(std::isfinite(a));
        worst = std::max<double>(worst, std::abs(a - b));
        scale = std::max<double>(scale, std::abs(b));
      }
      sizes.push_back(decoder.state_bytes());
    }
    CHECK(scale > 1.0);
    CHECK(worst < 2e-5 * scale);
    if (std::string(mixer) == "ponet_causal") {
      CHECK(sizes.front() == sizes.back());  // the running state does not grow
      // per layer 5 D + H d^2 floats and a counter: D = 16, H = 2, d = 8
      CHECK(sizes.front() == 2 * ((5 * 16 + 2 * 8 * 8) * 4 + 8));
    } else {
      CHECK(sizes.back() == L * sizes.front());  // the cache holds every key and value
    }
    CHECK_THROWS_WITH_AS(decoder.feed(5), doctest::Contains("past max_position_embeddings"), Error);
  }
}

TEST_CASE("sampling: greedy, determinism for a seed, top-k and top-p on a hand-made distribution") {
  // probabilities at temperature 1: 0.4, 0.3, 0.2, 0.1 (ids 2, 0, 3, 1)
  const std::vector<float> logits = {std::log(0.3f), std::log(0.1f), std::log(0.4f), std::log(0.2f)};
  auto close = [](const std::vector<double>& a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-6));
  };
  close(sampling_distribution(logits, {1.f, 0, 1.f}), {0.3, 0.1, 0.4, 0.2});
  close(sampling_distribution(logits, {0.f, 0, 1.f}), {0, 0, 1, 0});     // greedy
  close(sampling_distribution(logits, {1.f, 2, 1.f}), {3.0 / 7, 0, 4.0 / 7, 0});  // top-2: ids 2, 0
  close(sampling_distribution(logits, {1.f, 0, 0.65f}), {3.0 / 7, 0, 4.0 / 7, 0});  // 0.4 + 0.3 reaches 0.65
  close(sampling_distribution(logits, {1.f, 0, 0.75f}), {0.3 / 0.9, 0, 0.4 / 0.9, 0.2 / 0.9});
  close(sampling_distribution(logits, {1.f, 1, 0.95f}), {0, 0, 1, 0});  // top-k first, then the nucleus
  close(sampling_distribution(logits, {1.f, 0, 0.1f}), {0, 0, 1, 0});   // always at least one id
  // temperature 2 flattens: p ~ sqrt(p1)
  const double s = std::sqrt(0.3) + std::sqrt(0.1) + std::sqrt(0.4) + std::sqrt(0.2);
  close(sampling_distribution(logits, {2.f, 0, 1.f}), {std::sqrt(0.3) / s, std::sqrt(0.1) / s, std::sqrt(0.4) / s, std::sqrt(0.2) / s});

  // draws: the same seed gives the same tokens; frequencies follow the distribution; cut ids never appear
  std::vector<int64_t> a, b, counts(4, 0);
  Rng r1(9), r2(9), r3(10);
  for (int i = 0; i < 4000; ++i) {
    a.push_back(sample_token(logits, {1.f, 0, 1.f}, r1));
    b.push_back(sample_token(logits, {1.f, 0, 1.f}, r2));
    ++counts[sample_token(logits, {1.f, 3, 1.f}, r3)];
  }
  CHECK(a == b);
  CHECK(counts[1] == 0);
  CHECK(counts[2] / 4000.0 == doctest::Approx(4.0 / 9).epsilon(0.06));
  CHECK(counts[0] / 4000.0 == doctest::Approx(3.0 / 9).epsilon(0.08));
  Rng r4(1);
  CHECK(sample_token(logits, {0.f, 0, 1.f}, r4) == 2);

  CHECK_THROWS_WITH_AS(sampling_distribution(logits, {-1.f, 0, 1.f}), doctest::Contains("temperature must be >= 0"), Error);
  CHECK_THROWS_WITH_AS(sampling_distribution(logits, {1.f, -2, 1.f}), doctest::Contains("top-k must be >= 0"), Error);
  CHECK_THROWS_WITH_AS(sampling_distribution(logits, {1.f, 0, 0.f}), doctest::Contains("top-p must be in (0, 1]"), Error);
  CHECK_THROWS_WITH_AS(sampling_distribution(logits, {1.f, 0, 1.5f}), doctest::Contains("top-p must be in (0, 1]"), Error);
}
