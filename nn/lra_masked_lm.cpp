#include "nn/lra_masked_lm.h"

#include <map>
#include <set>

#include "core/error.h"
#include "nn/ponet_model.h"

namespace ponet::nn {

namespace {
constexpr int64_t kIgnoreIndex = -100;
const std::string kEncoderPrefix = "model.";

bool is_encoder_parameter(const std::string& name) { return name.rfind(kEncoderPrefix, 0) == 0; }
}  // namespace

LraForMaskedLM::LraForMaskedLM(const LraConfig& c, uint64_t seed) : Model(seed), config_(c) {
  config_.validate();
  Init init{&init_rng_, c.initializer_range, Init::Scheme::torch};  // as the classifier's
  const int64_t D = c.transformer_dim;
  encoder_ = register_module("model", std::make_shared<LraEncoder>(c, init, &dropout_rng_));
  auto head = std::make_shared<Container>();
  transform_ = head->register_module("transform", std::make_shared<Linear>(D, D, init));
  norm_ = head->register_module("norm", std::make_shared<LayerNorm>(D, c.layer_norm_eps));
  decoder_ = head->register_module("decoder", std::make_shared<Linear>(D, c.vocab_size, init));
  register_module("mlm_head", head);
}

LraMaskedLMOutputs LraForMaskedLM::forward(const Tensor& input_ids, const Tensor& labels, const ForwardOptions& options) {
  const char* who = "LRA masked LM";
  const Tensor mask = encoder_->check_input_ids(input_ids);
  PONET_CHECK(labels.defined(), who, ": labels are required (-100 where a position is not scored)");
  check_dtype(labels, DType::I64, who, "labels");
  check_shape(labels, mask.shape(), who, "labels");
  // The scored positions (kept on the host: they pick the rows) and their targets.
  std::vector<int64_t> picked, targets;
  const std::vector<int64_t> all = labels.to_vector_i64();
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i] == kIgnoreIndex) continue;
    PONET_CHECK(all[i] >= 0 && all[i] < config_.vocab_size, who, ": labels contain ", all[i],
                ", expected -100 or an id in [0, ", config_.vocab_size, ")");
    picked.push_back(static_cast<int64_t>(i));
    targets.push_back(all[i]);
  }
  PONET_CHECK(!picked.empty(), who, ": no position is scored (every label is -100)");

  LraEncoderOutputs body = encoder_->forward(input_ids, mask, options);
  const int64_t B = mask.size(0), L = mask.size(1), D = config_.transformer_dim, M = static_cast<int64_t>(picked.size());
  // Only the scored rows go through the head: the embedding op is a differentiable row gather.
  Tensor rows = embedding(body.token_out.reshape({B * L, D}), Tensor::from_vector_i64(picked, {M}, body.token_out.device()));
  Tensor h = norm_->forward(gelu(transform_->forward(rows, options.precision)));
  LraMaskedLMOutputs out;
  out.logits = decoder_->forward(h, options.precision);
  out.targets = Tensor::from_vector_i64(targets, {M});
  out.loss = cross_entropy(out.logits, out.targets);  // host targets: uploaded without a device sync
  out.token_out = body.token_out;
  out.hidden_states = std::move(body.hidden_states);
  return out;
}

void copy_lra_encoder(const LraForMaskedLM& from, LraForSequenceClassification& to) {
  std::map<std::string, Tensor> source;
  for (auto& [name, t] : from.named_parameters())
    if (is_encoder_parameter(name)) source[name] = t;
  std::set<std::string> in_classifier;
  for (auto& [name, t] : to.named_parameters()) {
    if (!is_encoder_parameter(name)) continue;
    auto it = source.find(name);
    PONET_CHECK(it != source.end(), "copy_lra_encoder: the classifier's ", name, " ", t.shape_str(),
                " is not in the masked-LM model (the two encoders have other configs)");
    PONET_CHECK(it->second.shape() == t.shape(), "copy_lra_encoder: ", name, " is ", it->second.shape_str(),
                " in the masked-LM model but ", t.shape_str(), " in the classifier (the two encoders have other configs)");
    in_classifier.insert(name);
  }
  for (auto& [name, t] : source)
    PONET_CHECK(in_classifier.count(name), "copy_lra_encoder: the masked-LM model's ", name, " ", t.shape_str(),
                " is not in the classifier (the two encoders have other configs)");
  to.load_state_dict(source, /*strict=*/false);  // the head ("seq_classifer.") keeps its values
}

}  // namespace ponet::nn
