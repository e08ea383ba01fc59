// Parity with the PyTorch reference of the official PoNet (tests/data/ponet_*.safetensors): every
// fixture is run forward and backward in eval mode, fused and composed mixers alike, and every stored
// output, hidden state, debug intermediate and parameter gradient is compared (tolerances from
// docs/ponet_mixer_spec.md: outputs |C - R| <= 1e-4 hard (aim 1e-5); gradients
// |C - R| <= 1e-4 max|R| + 1e-8 (aim 1e-5)).
#include <cstdio>
#include <memory>
#include <string>

#include "fixture_util.h"
#include "nn/ponet_for_pretraining.h"

using namespace ponet;
using namespace ponet::nn;
using namespace ponet::testing;

namespace {

// The fixture's model (its config and weights, on `device`, eval mode) and its batch.
struct FixtureRun {
  std::unique_ptr<PoNetForPreTraining> model;
  PoNetInputs inputs;
};

FixtureRun fixture_model(const Fixture& fx, const std::string& file, Device device) {
  FixtureRun r;
  PoNetConfig config = PoNetConfig::from_json(fx.metadata.at("config"), file);
  r.model = std::make_unique<PoNetForPreTraining>(config, 0);
  std::map<std::string, Tensor> params;
  for (auto& [name, t] : r.model->named_parameters()) params[name] = fx.at(name);
  r.model->to(device);
  r.model->load_state_dict(params);
  r.model->eval();
  r.inputs.input_ids = fx.at("input.input_ids");
  r.inputs.attention_mask = fx.at("input.attention_mask");
  r.inputs.token_type_ids = fx.at("input.token_type_ids");
  r.inputs.segment_ids = fx.optional("input.segment_ids");
  r.inputs.labels = fx.at("input.labels");
  r.inputs.next_sentence_label = fx.at("input.next_sentence_label");
  return r;
}

// Runs one fixture through the model and checks everything it stores.
void check_fixture(const std::string& file, bool fused) {
  Fixture fx = load_fixture(file);
  FixtureRun run = fixture_model(fx, file, Device::cpu());
  PoNetForPreTraining& model = *run.model;
  std::vector<MixerTrace> traces;
  ForwardOptions options;
  options.fused_mixer = fused;
  if (!fused) options.traces = &traces;
  PoNetOutputs out = model.forward(run.inputs, options);
  const Tensor loss = add(out.mlm_loss, out.sso_loss);  // HF's loss, the fixture's gradients' root
  loss.backward();

  ParityCheck check{file};
  auto compare = [&](const std::string& name, const Tensor& ours) { check.output(name, ours, fx.at(name)); };
  compare("output.last_hidden_state", out.last_hidden_state);
  compare("output.pooler_output", out.pooler_output);
  compare("output.prediction_logits", out.prediction_logits);
  compare("output.seq_relationship_logits", out.seq_relationship_logits);
  compare("output.loss", loss);
  compare("output.mlm_loss", out.mlm_loss);
  compare("output.sso_loss", out.sso_loss);
  for (size_t k = 0; k < out.hidden_states.size(); ++k)
    compare("output.hidden_states." + std::to_string(k), out.hidden_states[k]);
  if (fx.optional("debug.segment_index").defined())
    CHECK(out.segment_index.to_vector_i64() == fx.at("debug.segment_index").to_vector_i64());
  if (!fused) {
    // Every layer the fixture traced must have a trace here: an empty trace list would compare nothing.
    size_t traced_layers = 0;
    while (fx.optional("debug.layer." + std::to_string(traced_layers) + ".ga_prob").defined()) ++traced_layers;
    REQUIRE(traced_layers > 0);
    REQUIRE(traces.size() == traced_layers);
  }
  for (size_t i = 0; i < traces.size(); ++i) {
    const std::string p = "debug.layer." + std::to_string(i) + ".";
    compare(p + "ga_prob", traces[i].ga_prob);
    compare(p + "ga_value", traces[i].ga_value);
    compare(p + "segment_pooled", traces[i].segment_pooled);
    compare(p + "local_pooled", traces[i].local_pooled);
    compare(p + "mixer_output", traces[i].mixer_output);
  }
  for (auto& [name, param] : model.named_parameters()) check.gradient(name, param, fx.at("grad." + name));
  check.report(fused ? "fused" : "composed");
}

const char* kFixtures[] = {"ponet_derived_segments.safetensors", "ponet_given_segments.safetensors",
                           "ponet_lra.safetensors"};

}  // namespace

TEST_CASE("PoNet matches the reference fixtures (composed mixer, with debug intermediates)") {
  for (const char* f : kFixtures) {
    CAPTURE(f);
    check_fixture(f, false);
  }
}

TEST_CASE("PoNet matches the reference fixtures (fused mixer)") {
  for (const char* f : kFixtures) {
    CAPTURE(f);
    check_fixture(f, true);
  }
}

TEST_CASE("PoNet parameter names and order are the HF state-dict names") {
  Fixture fx = load_fixture("ponet_lra.safetensors");
  PoNetForPreTraining model(PoNetConfig::from_json(fx.metadata.at("config")), 0);
  auto named = model.named_parameters();
  CHECK(named.front().first == "ponet.embeddings.word_embeddings.weight");
  CHECK(named.back().first == "cls.seq_relationship.bias");
  size_t in_fixture = 0;
  for (auto& [name, t] : named) in_fixture += fx.tensors.count(name);
  CHECK(in_fixture == named.size());
  size_t params_in_fixture = 0;
  for (auto& [name, t] : fx.tensors) params_in_fixture += name.rfind("ponet.", 0) == 0 || name.rfind("cls.", 0) == 0;
  CHECK(params_in_fixture == named.size());
}

TEST_CASE("PoNet rejects bad inputs with clear errors") {
  PoNetConfig c;
  c.vocab_size = 128;
  c.hidden_size = 16;
  c.num_hidden_layers = 1;
  c.num_attention_heads = 2;
  c.intermediate_size = 32;
  c.max_position_embeddings = 16;
  PoNetForPreTraining model(c, 1);
  model.eval();
  PoNetInputs in;
  in.input_ids = Tensor::from_vector_i64({101, 5, 6, 102}, {1, 4});
  CHECK_NOTHROW(model.forward(in));
  in.input_ids = Tensor::from_vector_i64({101, 5, 600, 102}, {1, 4});
  CHECK_THROWS_WITH_AS(model.forward(in), doctest::Contains("input_ids contains 600"), Error);
  in.input_ids = Tensor::from_vector_i64({7, 5, 6, 102}, {1, 4});
  CHECK_THROWS_WITH_AS(model.forward(in), doctest::Contains("does not start with [CLS]"), Error);
  in.input_ids = Tensor::from_vector_i64({101, 5, 6, 102}, {1, 4});
  in.attention_mask = Tensor::from_vector_i64({0, 0, 0, 0}, {1, 4});
  CHECK_THROWS_WITH_AS(model.forward(in), doctest::Contains("no real token"), Error);
  in.attention_mask = Tensor::from_vector_i64({1, 1, 1}, {1, 3});
  CHECK_THROWS_WITH_AS(model.forward(in), doctest::Contains("attention_mask must have shape"), Error);
  in.attention_mask = Tensor();
  in.input_ids = Tensor::zeros({1, 20}, DType::I64);
  CHECK_THROWS_WITH_AS(model.forward(in), doctest::Contains("exceeds max_position_embeddings"), Error);
  CHECK_THROWS_WITH_AS(PoNetConfig::from_json("{\"hidden_size\": 10, \"num_attention_heads\": 3}"),
                       doctest::Contains("not a multiple"), Error);
  CHECK_THROWS_WITH_AS(PoNetConfig::from_json("{\"hiden_size\": 10}"), doctest::Contains("unknown field"), Error);
  CHECK_THROWS_WITH_AS(PoNetConfig::from_json("{nope"), doctest::Contains("not valid JSON"), Error);
}

TEST_CASE("PoNet on CUDA matches the reference fixtures and the CPU run" * doctest::test_suite("gpu")) {
  if (skip_without_gpu()) return;
  for (const char* file : kFixtures) {
    CAPTURE(file);
    Fixture fx = load_fixture(file);
    FixtureRun run = fixture_model(fx, file, Device::cuda());
    PoNetForPreTraining& model = *run.model;
    PoNetOutputs out = model.forward(run.inputs);
    const Tensor loss = add(out.mlm_loss, out.sso_loss);  // HF's loss
    loss.backward();
    CHECK(out.last_hidden_state.device().is_cuda());
    CHECK(max_abs_diff(out.prediction_logits.to_vector(), fx.at("output.prediction_logits").to_vector()) <= 1e-4);
    CHECK(max_abs_diff(loss.to_vector(), fx.at("output.loss").to_vector()) <= 1e-4);
    for (auto& [name, param] : model.named_parameters()) {
      const Tensor& ref = fx.at("grad." + name);
      Tensor g = param.grad().defined() ? param.grad() : Tensor::zeros(param.shape());
      CHECK_MESSAGE(max_abs_diff(g.to_vector(), ref.to_vector()) <= 1e-4 * max_abs(ref) + 1e-8, name);
    }
  }
}
