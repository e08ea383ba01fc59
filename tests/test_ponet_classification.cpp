// PoNetForSequenceClassification (HF head: pooler output -> dropout -> classifier). The backbone is the
// reference fixture's (its pooler output is stored), the classifier weights are set by the test, and
// logits, loss and the classifier gradients are worked out here by hand in double precision.
#include <cmath>

#include "fixture_util.h"
#include "nn/ponet_classification.h"

using namespace ponet;
using namespace ponet::nn;
using namespace ponet::testing;

namespace {

struct Case {
  Fixture fx = load_fixture("ponet_derived_segments.safetensors");
  PoNetConfig config;
  std::unique_ptr<PoNetForSequenceClassification> model;
  PoNetInputs inputs;
  std::vector<float> W, bias;  // classifier [C, D], [C]

  explicit Case(int64_t num_labels) {
    config = PoNetConfig::from_json(fx.metadata.at("config"));
    config.num_labels = num_labels;
    model = std::make_unique<PoNetForSequenceClassification>(config, 0);
    std::map<std::string, Tensor> state = fx.with_prefix({"ponet."});
    const int64_t C = num_labels, D = config.hidden_size;
    for (int64_t i = 0; i < C * D; ++i) W.push_back(0.05f * static_cast<float>((i * 7) % 11) - 0.25f);
    for (int64_t c = 0; c < C; ++c) bias.push_back(0.1f * static_cast<float>(c) - 0.05f);
    state["classifier.weight"] = Tensor::from_vector(W, {C, D});
    state["classifier.bias"] = Tensor::from_vector(bias, {C});
    model->load_state_dict(state);  // strict: exactly the backbone's HF names plus classifier.*
    model->eval();
    inputs.input_ids = fx.at("input.input_ids");
    inputs.attention_mask = fx.at("input.attention_mask");
    inputs.token_type_ids = fx.at("input.token_type_ids");
  }
  const Tensor& pooled() const { return fx.at("output.pooler_output"); }
};

}  // namespace

TEST_CASE("sequence classification: logits, cross-entropy and classifier gradients by hand") {
  Case k(3);
  const int64_t B = k.pooled().size(0), D = k.pooled().size(1), C = 3;
  const std::vector<int64_t> labels = {2, 0, 1};
  k.inputs.labels = Tensor::from_vector_i64(labels, {B});
  ClassificationOutputs out = k.model->forward(k.inputs);
  out.loss.backward();

  const std::vector<float> p = k.pooled().to_vector();
  std::vector<double> logits(B * C), dW(C * D, 0.0), db(C, 0.0);
  double loss = 0;
  for (int64_t b = 0; b < B; ++b) {
    double mx = -1e300, z = 0;
    for (int64_t c = 0; c < C; ++c) {
      double s = k.bias[c];
      for (int64_t j = 0; j < D; ++j) s += static_cast<double>(k.W[c * D + j]) * p[b * D + j];
      logits[b * C + c] = s;
      mx = std::max(mx, s);
    }
    for (int64_t c = 0; c < C; ++c) z += std::exp(logits[b * C + c] - mx);
    loss += (mx + std::log(z) - logits[b * C + labels[b]]) / B;
    for (int64_t c = 0; c < C; ++c) {  // dL/dlogit = (softmax - onehot) / B
      const double g = (std::exp(logits[b * C + c] - mx) / z - (c == labels[b])) / B;
      db[c] += g;
      for (int64_t j = 0; j < D; ++j) dW[c * D + j] += g * p[b * D + j];
    }
  }
  check_close(out.logits, std::vector<float>(logits.begin(), logits.end()), 1e-5, 1e-5);
  CHECK(out.loss.item() == doctest::Approx(loss).epsilon(1e-5));
  auto named = k.model->named_parameters();
  CHECK(named.back().first == "classifier.bias");
  CHECK(named[named.size() - 2].first == "classifier.weight");
  check_close(named.back().second.grad(), std::vector<float>(db.begin(), db.end()), 1e-6, 1e-4);
  check_close(named[named.size() - 2].second.grad(), std::vector<float>(dW.begin(), dW.end()), 1e-6, 1e-4);
  check_close(out.pooler_output, k.pooled(), 1e-5, 0);
}

TEST_CASE("sequence classification: num_labels 1 is regression with mean squared error") {
  Case k(1);
  const int64_t B = k.pooled().size(0), D = k.pooled().size(1);
  const std::vector<float> targets = {0.5f, -1.f, 2.f};
  k.inputs.labels = Tensor::from_vector(targets, {B});
  ClassificationOutputs out = k.model->forward(k.inputs);
  const std::vector<float> p = k.pooled().to_vector();
  double loss = 0;
  for (int64_t b = 0; b < B; ++b) {
    double s = k.bias[0];
    for (int64_t j = 0; j < D; ++j) s += static_cast<double>(k.W[j]) * p[b * D + j];
    loss += (s - targets[b]) * (s - targets[b]) / B;
  }
  CHECK(out.loss.item() == doctest::Approx(loss).epsilon(1e-5));
}

TEST_CASE("sequence classification: label checks") {
  Case k(3);
  k.inputs.labels = Tensor::from_vector_i64({0, 3, 1}, {3});
  CHECK_THROWS_WITH_AS(k.model->forward(k.inputs), doctest::Contains("labels contains 3"), Error);
  k.inputs.labels = Tensor::from_vector({0.f, 1.f, 1.f}, {3});
  CHECK_THROWS_WITH_AS(k.model->forward(k.inputs), doctest::Contains("labels"), Error);
  k.inputs.labels = Tensor::from_vector_i64({0, 1}, {2});
  CHECK_THROWS_WITH_AS(k.model->forward(k.inputs), doctest::Contains("labels must have shape"), Error);
}
