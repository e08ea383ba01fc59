// Parity of the LRA family with the official LRA code (lxchtan/PoNet examples/LRA/code): the fixtures
// tests/data/lra_{softmax,fnet,ponet}.safetensors were computed by that code itself.
// Each is run forward and backward in eval mode; logits, loss, token_out, pooled output, every hidden
// state and every parameter gradient are compared (tolerances of docs/ponet_mixer_spec.md: outputs
// relative to max(1, max|R|), gradients relative to max|R|, hard limit 1e-4, aim 1e-5).
#include <memory>
#include <nlohmann/json.hpp>

#include "fixture_util.h"
#include "io/atomic_file.h"
#include "nn/lra.h"
#include "nn/model_factory.h"

using namespace ponet;
using namespace ponet::nn;
using namespace ponet::testing;

namespace {

struct LraRun {
  Fixture fx;
  std::unique_ptr<LraForSequenceClassification> model;
};

LraRun lra_fixture_model(const std::string& file, Device device) {
  LraRun r{load_fixture(file), nullptr};
  r.model = std::make_unique<LraForSequenceClassification>(LraConfig::from_json(r.fx.metadata.at("config"), file), 0);
  r.model->to(device);
  // strict: every parameter of the model is in the file and every stored parameter is used
  r.model->load_state_dict(r.fx.with_prefix({"model.", "seq_classifer."}));
  r.model->eval();
  return r;
}

void check_lra_fixture(const std::string& file, Device device, bool fused) {
  LraRun run = lra_fixture_model(file, device);
  const Fixture& fx = run.fx;
  ForwardOptions options;
  options.fused_mixer = fused;
  LraOutputs out = run.model->forward({fx.at("input.input_ids"), fx.at("input.labels")}, options);
  out.loss.backward();
  ParityCheck check{file, /*relative_outputs=*/true};
  check.output("output.logits", out.logits, fx.at("output.logits"));
  check.output("output.loss", out.loss, fx.at("output.loss"));
  check.output("output.token_out", out.token_out, fx.at("output.token_out"));
  check.output("output.pooled", out.pooled, fx.at("output.pooled"));
  REQUIRE(out.hidden_states.size() == std::stoul(fx.metadata.at("num_layers")) + 1);
  for (size_t k = 0; k < out.hidden_states.size(); ++k) {
    const std::string name = "output.hidden_states." + std::to_string(k);
    check.output(name, out.hidden_states[k], fx.at(name));
  }
  for (auto& [name, param] : run.model->named_parameters()) check.gradient(name, param, fx.at("grad." + name));
  check.report((std::string(device.is_cuda() ? "cuda " : "cpu ") + (fused ? "fused" : "composed")).c_str());
}

const char* kLraFixtures[] = {"lra_softmax.safetensors", "lra_fnet.safetensors", "lra_ponet.safetensors"};

}  // namespace

TEST_CASE("LRA family matches the official LRA code: softmax attention") {
  check_lra_fixture("lra_softmax.safetensors", Device::cpu(), true);
  check_lra_fixture("lra_softmax.safetensors", Device::cpu(), false);
}

TEST_CASE("LRA family matches the official LRA code: FNet") {
  check_lra_fixture("lra_fnet.safetensors", Device::cpu(), true);
}

TEST_CASE("LRA family matches the official LRA code: PoNet") {
  check_lra_fixture("lra_ponet.safetensors", Device::cpu(), true);
  check_lra_fixture("lra_ponet.safetensors", Device::cpu(), false);
}

TEST_CASE("LRA parameter names and order are the official state-dict names") {
  for (const char* file : kLraFixtures) {
    CAPTURE(file);
    Fixture fx = load_fixture(file);
    LraForSequenceClassification model(LraConfig::from_json(fx.metadata.at("config"), file), 0);
    auto named = model.named_parameters();
    CHECK(named.front().first == "model.embeddings.word_embeddings.weight");
    CHECK(named.back().first == "seq_classifer.mlpblock.2.bias");
    CHECK(named.size() == fx.with_prefix({"model.", "seq_classifer."}).size());
    // the official registration order within a block: norm1, mha (W_q, W_k, W_v, ...), norm2, mlpblock
    std::vector<std::string> block0;
    for (auto& [name, t] : named)
      if (name.rfind("model.transformer_0.", 0) == 0) block0.push_back(name.substr(20));
    CHECK(block0.front() == "norm1.weight");
    CHECK(block0.back() == "mlpblock.3.bias");
  }
}

TEST_CASE("LRA model and config reject bad input with clear errors") {
  LraConfig c;
  c.vocab_size = 16;
  c.transformer_dim = c.embedding_dim = 8;
  c.transformer_hidden_dim = 16;
  c.num_head = 2;
  c.head_dim = 4;
  c.max_seq_len = 12;
  c.segment_num = 2;
  c.num_classes = 3;
  LraForSequenceClassification model(c, 3);
  model.eval();
  Tensor ids = Tensor::from_vector_i64({1, 2, 3, 0, 4, 5, 0, 0}, {2, 4});
  CHECK_NOTHROW(model.forward({ids, Tensor::from_vector_i64({0, 2}, {2})}));
  CHECK_THROWS_WITH_AS(model.forward({Tensor::from_vector_i64({1, 16}, {1, 2}), Tensor()}),
                       doctest::Contains("input_ids contains 16"), Error);
  CHECK_THROWS_WITH_AS(model.forward({Tensor::from_vector_i64({0, 0}, {1, 2}), Tensor()}),
                       doctest::Contains("all padding"), Error);
  CHECK_THROWS_WITH_AS(model.forward({Tensor::zeros({1, 13}, DType::I64), Tensor()}),
                       doctest::Contains("exceeds max_seq_len"), Error);
  CHECK_THROWS_WITH_AS(model.forward({ids, Tensor::from_vector_i64({0, 3}, {2})}),
                       doctest::Contains("labels contains 3"), Error);
  CHECK_THROWS_WITH_AS(model.forward({ids, Tensor::from_vector_i64({0}, {1})}), doctest::Contains("labels"), Error);
  CHECK_THROWS_WITH_AS(LraConfig::from_json("{\"attn_type\": \"linformer\"}", "x.json"),
                       doctest::Contains("x.json: LraConfig: unknown attn_type"), Error);
  CHECK_THROWS_WITH_AS(LraConfig::from_json("{\"transformer_dimm\": 8}", "x.json"), doctest::Contains("unknown field"),
                       Error);
  CHECK_THROWS_WITH_AS(LraConfig::from_json("{\"attn_type\": \"ponet\", \"segment_num\": 0}"),
                       doctest::Contains("needs segment_num > 0"), Error);
  CHECK_THROWS_WITH_AS(LraConfig::from_json("{\"pooling_mode\": \"CLS\"}"), doctest::Contains("MEAN"), Error);
  CHECK_THROWS_WITH_AS(LraConfig::from_json("{\"num_head\": \"two\"}"), doctest::Contains("wrong type"), Error);
  CHECK_THROWS_WITH_AS(LraConfig::from_json("{\"family\": \"ponet\"}"), doctest::Contains("takes \"family\": \"lra\""), Error);
}

TEST_CASE("LRA config JSON round trip") {
  LraConfig c;
  c.attn_type = "softmax";
  c.max_seq_len = 4000;
  c.dropout_prob = 0.25f;
  LraConfig back = LraConfig::from_json(c.to_json());
  CHECK(back.to_json() == c.to_json());
  CHECK(nlohmann::json::parse(c.to_json()).at("family") == "lra");
}

TEST_CASE("LRA family on CUDA matches the official LRA code" * doctest::test_suite("gpu")) {
  if (skip_without_gpu()) return;
  for (const char* file : kLraFixtures) {
    CAPTURE(file);
    check_lra_fixture(file, Device::cuda(), true);
  }
  check_lra_fixture("lra_ponet.safetensors", Device::cuda(), false);
}

TEST_CASE("every shipped model config builds its model") {
  const std::pair<const char*, const char*> configs[] = {{"tiny.json", "PoNetForPreTraining"},
                                                         {"small.json", "PoNetForPreTraining"},
                                                         {"lra_listops.json", "LraForSequenceClassification"},
                                                         {"lra_text.json", "LraForSequenceClassification"}};
  for (auto [file, cls] : configs) {
    CAPTURE(file);
    const std::string path = std::string(PONET_SOURCE_DIR) + "/apps/configs/" + file;
    std::unique_ptr<Model> model = make_model(cls, io::read_file(path), 0, path);
    CHECK(model->class_name() == cls);
    CHECK(model->num_parameters() > 0);
  }
  LraConfig listops = LraConfig::from_json(io::read_file(std::string(PONET_SOURCE_DIR) + "/apps/configs/lra_listops.json"));
  CHECK(listops.max_seq_len == 2000);
  CHECK(listops.num_classes == 10);
  CHECK(listops.segment_num == 64);
  CHECK_THROWS_WITH_AS(make_model("LraForSequenceClassification", "{\"hidden_size\": 8}", 0, "c.json"),
                       doctest::Contains("needs a \"lra\" config"), Error);
  CHECK_THROWS_WITH_AS(make_model("PoNetForPreTraining", "{\"family\": \"bert\"}", 0, "c.json"),
                       doctest::Contains("unknown family"), Error);
  CHECK_THROWS_WITH_AS(make_model("Nope", "{}", 0, "c.json"), doctest::Contains("unknown model class"), Error);
}
