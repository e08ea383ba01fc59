// Pre-LN blocks of the HF family (config "layer_norm_position": "pre", docs/models.md): the forward of
// every encoder mixer, fused and composed, equals the block written out here from the model's own
// sublayers; finite differences confirm the MLM loss's gradients (the final LayerNorm's included); the
// config field round-trips and refuses a bad value naming the file; a checkpoint rebuilds the model; a
// pre-LN pretraining model trains. (The post-LN default is held to the official PoNet and to
// transformers' BERT by tests/test_ponet_model.cpp, tests/test_hf_interop.cpp and tests/test_trajectory.cpp;
// tests/test_hf_interop.cpp also checks that the export refuses a pre-LN model.)
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "autograd/grad_mode.h"
#include "nn/model_factory.h"
#include "nn/ponet_for_pretraining.h"
#include "nn/segment_index.h"
#include "test_util.h"
#include "tiny_test_config.h"
#include "train/checkpoint.h"
#include "train/optimizer.h"
#include "train/pretraining_task.h"
#include "train/step.h"

using namespace ponet;
using namespace ponet::nn;
using ponet::testing::max_abs_diff;

namespace {

const char* const kEncoderMixers[] = {"ponet", "softmax", "fnet"};

PoNetConfig pre_ln_config(const std::string& mixer, int64_t layers = 2, float dropout = 0.f) {
  PoNetConfig c = testing::small_test_config(30, 16, layers, 16, dropout, mixer);
  c.layer_norm_position = LayerNormPosition::pre;
  return c;
}

// Two rows of [CLS] A [SEP] B [SEP], the second padded, with token types on B and MLM labels.
PoNetInputs sample_batch(const PoNetConfig& c, int64_t L = 12) {
  const int64_t B = 2, lengths[B] = {L, L - 4};
  Rng rng(21);
  std::vector<int64_t> ids(B * L, c.pad_token_id), mask(B * L, 0), types(B * L, 0), labels(B * L, -100), sso(B);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = lengths[b], middle = n / 2;
    for (int64_t l = 0; l < n; ++l) {
      const int64_t i = b * L + l;
      mask[i] = 1;
      ids[i] = l == 0 ? c.cls_token_id : (l == middle || l == n - 1) ? c.sep_token_id : rng.randint(5, c.vocab_size);
      types[i] = l > middle;
      if (l % 3 == 1 && ids[i] >= 5) labels[i] = ids[i];
    }
    sso[b] = b % 3;
  }
  PoNetInputs in;
  in.input_ids = Tensor::from_vector_i64(ids, {B, L});
  in.attention_mask = Tensor::from_vector_i64(mask, {B, L});
  in.token_type_ids = Tensor::from_vector_i64(types, {B, L});
  in.labels = Tensor::from_vector_i64(labels, {B, L});
  in.next_sentence_label = Tensor::from_vector_i64(sso, {B});
  return in;
}

// Every parameter drawn afresh, the LayerNorms away from 1 / 0, so that applying one in the wrong place
// (or not at all) changes the outputs.
void randomize(const Module& model, uint64_t seed) {
  Rng rng(seed);
  for (auto& [name, p] : model.named_parameters()) {
    const bool norm = name.find("LayerNorm") != std::string::npos || name.find("layer_norm") != std::string::npos;
    const bool gain = norm && name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0;
    float* data = p.data<float>();
    for (int64_t i = 0; i < p.numel(); ++i) data[i] = (gain ? 1.f : 0.f) + rng.normal(0.f, norm ? 0.3f : 0.2f);
  }
}

// The pre-LN backbone written out from the model's sublayers:
//   x = LN_emb(word + type + position); per block a = x + W_o mixer(LN1 x), x = a + W_2 gelu(W_1 LN2 a);
//   last = final_LN(x); pooled = tanh(W_p last[:, 0]).
// Eval mode: no dropout. Returns the states after each block (the last one after the final LayerNorm) and
// the pooled output.
struct Written {
  std::vector<Tensor> hidden_states;
  Tensor pooled;
};
Written written_out(const PoNetModel& model, const PoNetConfig& c, const PoNetInputs& in, bool fused) {
  const PoNetEmbeddings& e = *model.embeddings;
  const int64_t B = in.input_ids.size(0), L = in.input_ids.size(1);
  const Tensor segments = derive_segment_index(in.input_ids, c.cls_token_id, c.sep_token_id);
  const Tensor special = special_token_mask(in.input_ids, c.cls_token_id, c.sep_token_id);
  BatchContext ctx = make_batch_context(in.attention_mask, segments, special, Device::cpu());
  ctx.fused = fused;
  const Precision p = Precision::fp32;
  Written w;
  const Tensor word_and_type =
      add(e.word_embeddings->forward(in.input_ids), e.token_type_embeddings->forward(in.token_type_ids));
  Tensor x = e.norm->forward(add(word_and_type, e.position_embeddings->forward(Tensor::arange_i64(L))));
  w.hidden_states.push_back(x);
  for (const auto& layer : model.layers) {
    const Tensor ln1 = layer->attention_output->norm->forward(x);
    const Tensor a = add(x, layer->attention_output->dense->forward(layer->mixer->forward(ln1, ctx), p));
    const Tensor ln2 = layer->output->norm->forward(a);
    x = add(a, layer->output->dense->forward(gelu(layer->intermediate_dense->forward(ln2, p)), p));
    w.hidden_states.push_back(x);
  }
  REQUIRE(model.final_layer_norm);
  w.hidden_states.back() = model.final_layer_norm->forward(x);
  w.pooled = tanh(model.pooler_dense->forward(w.hidden_states.back().slice(1, 0, 1).reshape({B, c.hidden_size}), p));
  return w;
}

// |a - b| <= 1e-5 max|b| for every element; NaN or Inf fails
void check_same(const Tensor& got, const Tensor& want, const std::string& what) {
  CAPTURE(what);
  REQUIRE(got.shape() == want.shape());
  const std::vector<float> w = want.to_vector();
  double scale = 0;
  for (float v : w) scale = std::max(scale, static_cast<double>(std::abs(v)));
  const double diff = max_abs_diff(got.to_vector(), w);
  CHECK(scale > 0.1);
  CHECK(diff <= 1e-5 * scale);
}

float mlm_loss(PoNetForPreTraining& model, const PoNetInputs& in, const ForwardOptions& options) {
  return model.forward(in, options).mlm_loss.item();
}

Tensor parameter(const Module& model, const std::string& name) {
  for (auto& [n, p] : model.named_parameters())
    if (n == name) return p;
  FAIL("no parameter ", name);
  return {};
}

}  // namespace

TEST_CASE("pre-LN: the parameters are the post-LN ones under the same names, plus the final LayerNorm") {
  for (const std::string mixer : kEncoderMixers) {
    CAPTURE(mixer);
    PoNetConfig post = pre_ln_config(mixer);
    post.layer_norm_position = LayerNormPosition::post;
    std::vector<std::string> post_names, pre_names;
    for (auto& [name, p] : PoNetForPreTraining(post, 1).named_parameters()) post_names.push_back(name);
    for (auto& [name, p] : PoNetForPreTraining(pre_ln_config(mixer), 1).named_parameters()) pre_names.push_back(name);
    std::vector<std::string> extra;
    for (const std::string& n : pre_names)
      if (std::find(post_names.begin(), post_names.end(), n) == post_names.end()) extra.push_back(n);
    CHECK(extra ==
          std::vector<std::string>{"ponet.encoder.LayerNorm.weight", "ponet.encoder.LayerNorm.bias"});
    CHECK(pre_names.size() == post_names.size() + 2);
    // a LayerNorm like the others: no weight decay (the optimizer's default filter reads the name)
    for (const std::string& n : extra) CHECK_FALSE(train::default_weight_decay_filter(n));
  }
}

TEST_CASE("pre-LN: the forward of every encoder mixer, fused and composed, is the block written out") {
  for (const std::string mixer : kEncoderMixers) {
    for (bool fused : {true, false}) {
      const std::string what = std::string(mixer) + (fused ? " fused" : " composed");
      CAPTURE(what);
      const PoNetConfig c = pre_ln_config(mixer);
      Rng init_rng(3), dropout_rng(4);
      PoNetModel model(c, Init{&init_rng, c.initializer_range}, &dropout_rng);
      randomize(model, 5);
      model.eval();
      const PoNetInputs in = sample_batch(c);
      ForwardOptions options;
      options.fused_mixer = fused;
      const PoNetModelOutputs out = model.forward(in, options);
      const Written want = written_out(model, c, in, fused);
      REQUIRE(out.hidden_states.size() == want.hidden_states.size());
      for (size_t k = 0; k < want.hidden_states.size(); ++k)
        check_same(out.hidden_states[k], want.hidden_states[k], "hidden_states." + std::to_string(k));
      check_same(out.last_hidden_state, want.hidden_states.back(), "last_hidden_state");
      check_same(out.pooler_output, want.pooled, "pooler_output");
    }
  }
}

TEST_CASE("pre-LN: finite differences agree with the MLM loss's gradients, the final LayerNorm's included") {
  const std::vector<std::string> checked = {
      "ponet.encoder.LayerNorm.weight",           "ponet.encoder.LayerNorm.bias",
      "ponet.encoder.layer.0.attention.output.LayerNorm.weight", "ponet.encoder.layer.1.output.LayerNorm.bias",
      "ponet.encoder.layer.0.intermediate.dense.weight", "ponet.embeddings.LayerNorm.weight"};
  for (const std::string mixer : kEncoderMixers) {
    CAPTURE(mixer);
    const PoNetConfig c = pre_ln_config(mixer);
    PoNetForPreTraining model(c, 6);
    randomize(model, 7);
    model.eval();
    const PoNetInputs in = sample_batch(c);
    ForwardOptions options;
    model.forward(in, options).mlm_loss.backward();
    NoGrad no_grad;
    for (const std::string& name : checked) {
      CAPTURE(name);
      const Tensor p = parameter(model, name);
      REQUIRE(p.grad().defined());
      const std::vector<float> analytic = p.grad().to_vector();
      // the three elements of largest gradient, where a wrong backward shows most
      std::vector<int64_t> order(analytic.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
      std::partial_sort(order.begin(), order.begin() + 3, order.end(),
                        [&](int64_t a, int64_t b) { return std::abs(analytic[a]) > std::abs(analytic[b]); });
      CHECK(std::abs(analytic[order[0]]) > 1e-3);  // a gradient to check, not zeros
      float* data = p.data<float>();
      for (int k = 0; k < 3; ++k) {
        const int64_t i = order[k];
        const float eps = 1e-2f, original = data[i];
        data[i] = original + eps;
        const double up = mlm_loss(model, in, options);
        data[i] = original - eps;
        const double down = mlm_loss(model, in, options);
        data[i] = original;
        const double numeric = (up - down) / (2.0 * eps);
        INFO("element ", i, ": analytic ", analytic[i], ", numeric ", numeric);
        CHECK(std::isfinite(numeric));
        // seen: at most 8e-5 absolute, 0.3 % relative; a gradient 1 % off fails
        CHECK(std::abs(analytic[i] - numeric) <= 3e-5 + 3e-3 * std::abs(numeric));
      }
    }
  }
}

TEST_CASE("pre-LN: the config field round-trips, post is the default and writes nothing, a bad value is refused") {
  PoNetConfig c = pre_ln_config("softmax");
  const std::string text = c.to_json();
  CHECK(text.find("\"layer_norm_position\": \"pre\"") != std::string::npos);
  CHECK(PoNetConfig::from_json(text).layer_norm_position == LayerNormPosition::pre);
  CHECK(PoNetConfig::from_json(text).to_json() == text);

  c.layer_norm_position = LayerNormPosition::post;
  CHECK(c.to_json().find("layer_norm_position") == std::string::npos);  // post-LN configs are as they were
  CHECK(PoNetConfig::from_json("{}").layer_norm_position == LayerNormPosition::post);
  CHECK(PoNetConfig::from_json(R"({"layer_norm_position": "post"})").layer_norm_position == LayerNormPosition::post);

  const std::string path = (std::filesystem::temp_directory_path() / "ponet_pre_ln_bad.json").string();
  std::ofstream(path) << R"({"hidden_size": 16, "num_attention_heads": 2, "layer_norm_position": "middle"})";
  const std::string expected = path + ": field \"layer_norm_position\" is \"middle\"; expected \"post\" or \"pre\"";
  CHECK_THROWS_WITH_AS(PoNetConfig::from_file(path), doctest::Contains(expected.c_str()), Error);
  std::filesystem::remove(path);
  CHECK_THROWS_WITH_AS(PoNetConfig::from_json(R"({"layer_norm_position": 1})", "c.json"),
                       doctest::Contains("c.json: field \"layer_norm_position\" has the wrong type"), Error);
}

TEST_CASE("pre-LN: a checkpoint rebuilds the model, final LayerNorm and outputs alike") {
  const PoNetConfig c = pre_ln_config("ponet");
  PoNetForPreTraining model(c, 8);
  randomize(model, 9);
  model.eval();
  const std::string path = (std::filesystem::temp_directory_path() / "ponet_pre_ln_ckpt.safetensors").string();
  train::save_checkpoint(path, model, nullptr, {});
  std::unique_ptr<Model> back = train::load_checkpoint_model(path);
  std::filesystem::remove(path);
  auto* rebuilt = dynamic_cast<PoNetForPreTraining*>(back.get());
  REQUIRE(rebuilt);
  CHECK(rebuilt->config().layer_norm_position == LayerNormPosition::pre);
  rebuilt->eval();
  const PoNetInputs in = sample_batch(c);
  const std::vector<float> want = model.forward(in).prediction_logits.to_vector();
  CHECK(max_abs_diff(rebuilt->forward(in).prediction_logits.to_vector(), want) == 0.0);
}

TEST_CASE("pre-LN: a pretraining model of each encoder mixer trains (held-out MLM loss falls)") {
  // Rows [CLS] a a ... a [SEP] of one random id, a quarter of them masked: a masked id is any other
  // position's, which only a mixer that moves information between positions can tell.
  const int64_t B = 8, L = 12, V = 30, first = 5;
  auto make_batch = [&](Rng& rng) {
    std::vector<int64_t> ids(B * L), labels(B * L, -100), sso(B, 0);
    for (int64_t b = 0; b < B; ++b) {
      const int64_t token = rng.randint(first, V);
      for (int64_t l = 0; l < L; ++l) {
        const int64_t i = b * L + l;
        ids[i] = l == 0 ? 2 : l == L - 1 ? 3 : token;
        if (l > 0 && l < L - 1 && rng.uniform() < 0.25f) {
          labels[i] = ids[i];
          ids[i] = 4;  // [MASK]
        }
      }
    }
    return data::full_rows_batch(ids, labels, sso, B, L);
  };
  for (const std::string mixer : kEncoderMixers) {
    CAPTURE(mixer);
    PoNetForPreTraining model(pre_ln_config(mixer, 2, 0.1f), 10);
    Rng held_out_rng(77);
    const data::Batch held_out = make_batch(held_out_rng);
    auto held_out_loss = [&] {
      NoGrad no_grad;
      model.eval();
      PoNetInputs in{held_out.input_ids, held_out.attention_mask, held_out.token_type_ids, {}, held_out.labels,
                     held_out.next_sentence_label};
      const float loss = model.forward(in).mlm_loss.item();
      model.train();
      return loss;
    };
    const float before = held_out_loss();
    train::AdamW optimizer(model.named_parameters(), {});
    train::PretrainingTask task(model, make_batch, B, {}, 1.f, 0.f);
    train::StepConfig step;
    step.lr = 3e-2f;  // no warmup: pre-LN trains there (post-LN, the same recipe stays near its start)
    step.schedule = train::Schedule::constant;
    Rng data_rng(12);
    model.train();
    for (int64_t s = 0; s < 60; ++s) train::train_step(task, optimizer, step, s, data_rng);
    const float after = held_out_loss();
    INFO("held-out MLM loss ", before, " -> ", after);
    CHECK(std::isfinite(after));
    CHECK(after < 0.75f * before);  // about 3.4 -> 1.6 (ponet), 1.8 (softmax), 2.2 (fnet)
  }
}
