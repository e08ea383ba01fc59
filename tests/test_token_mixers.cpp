// The token-mixer interface: every registered mixer under both naming schemes, fused against composed
// (with the same dropout draws), a finite-difference gradcheck through the mixer, the registry's errors.
#include "nn/mixers/softmax_attention.h"
#include "nn/token_mixer.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::nn;
using namespace ponet::testing;

namespace {

MixerOptions options(ParamNames names, Rng* init_rng, Rng* dropout_rng, float attention_dropout = 0.f) {
  MixerOptions m;
  m.dim = 8;
  m.num_heads = 2;
  m.head_dim = 4;
  m.attention_dropout = attention_dropout;
  m.names = names;
  m.init = {init_rng, 0.3f};
  m.dropout_rng = dropout_rng;
  return m;
}

// B = 2, L = 7; row 1 has 3 padded positions; two fixed chunks per row.
BatchContext context() {
  Tensor valid = Tensor::from_vector_i64({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, {2, 7});
  Tensor segments = Tensor::from_vector_i64({0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, {2, 7});
  return make_batch_context(valid, segments, Tensor(), Device::cpu());
}

}  // namespace

TEST_CASE("every registered mixer: official names, shapes, fused equals composed") {
  const std::vector<std::string> names = token_mixer_names();
  CHECK(names == std::vector<std::string>{"ponet", "softmax", "fnet", "ponet_causal", "softmax_causal"});
  for (const std::string& name : names) {
    CAPTURE(name);
    for (ParamNames style : {ParamNames::hf, ParamNames::lra}) {
      Rng init(1), drop(2);
      auto mixer = make_token_mixer(name, options(style, &init, &drop));
      std::vector<std::string> params;
      for (auto& [n, t] : mixer->named_parameters()) params.push_back(n);
      if (name == "fnet") CHECK(params.empty());
      if (name == "softmax" || name == "softmax_causal")
        CHECK(params == (style == ParamNames::hf
                             ? std::vector<std::string>{"query.weight", "query.bias", "key.weight", "key.bias",
                                                        "value.weight", "value.bias"}
                             : std::vector<std::string>{"W_q.weight", "W_q.bias", "W_k.weight", "W_k.bias",
                                                        "W_v.weight", "W_v.bias"}));
      if (name == "ponet" || name == "ponet_causal") CHECK(params.front() == (style == ParamNames::hf ? "dense_local.weight" : "W_q.weight"));
      CHECK(mixer->has_output_projection() == (name != "fnet"));
      Rng data(3);
      Tensor x = random_tensor({2, 7, 8}, data);
      BatchContext ctx = context();
      mixer->eval();
      Tensor fused = mixer->forward(x, ctx);
      ctx.fused = false;
      Tensor composed = mixer->forward(x, ctx);
      CHECK(fused.shape() == Shape{2, 7, mixer->output_dim()});
      check_close(fused, composed, 1e-5, 1e-5);
    }
  }
}

TEST_CASE("softmax mixer in training: fused and composed attention dropout draw the same mask") {
  Rng init(4);
  Rng drop_fused(9), drop_composed(9);
  SoftmaxAttention fused_mixer(options(ParamNames::lra, &init, &drop_fused, 0.4f));
  Rng init2(4);
  SoftmaxAttention composed_mixer(options(ParamNames::lra, &init2, &drop_composed, 0.4f));
  Rng data(5);
  Tensor x = random_tensor({2, 7, 8}, data);
  BatchContext ctx = context();
  Tensor a = fused_mixer.forward(x, ctx);
  ctx.fused = false;
  Tensor b = composed_mixer.forward(x, ctx);
  check_close(a, b, 1e-5, 1e-5);
  fused_mixer.eval();
  ctx.fused = true;
  CHECK(max_abs_diff(fused_mixer.forward(x, ctx).to_vector(), a.to_vector()) > 1e-3);  // dropout was on
}

TEST_CASE("every registered mixer: gradcheck of the output with respect to the input") {
  for (const std::string& name : token_mixer_names()) {
    CAPTURE(name);
    Rng init(6), drop(7);
    auto mixer = make_token_mixer(name, options(ParamNames::lra, &init, &drop));
    mixer->eval();
    const BatchContext ctx = context();
    Rng data(8);
    Tensor x = random_tensor({2, 7, 8}, data, true);
    check_gradients([&](const std::vector<Tensor>& in) { return mixer->forward(in[0], ctx); }, {x});
  }
}

TEST_CASE("token mixer registry: unknown names list the known ones") {
  Rng init(1);
  CHECK_THROWS_WITH_AS(make_token_mixer("linformer", options(ParamNames::hf, &init, nullptr)),
                       doctest::Contains("unknown token mixer \"linformer\" (known: ponet, softmax, fnet, ponet_causal, softmax_causal)"), Error);
  CHECK(is_token_mixer("fnet"));
  CHECK_FALSE(is_token_mixer("FNet"));
  MixerOptions bad = options(ParamNames::hf, &init, nullptr);
  bad.head_dim = 3;
  CHECK_THROWS_WITH_AS(make_token_mixer("ponet", bad), doctest::Contains("must equal the model width"), Error);
}
