// PoNetForSequenceClassification: the PoNetModel backbone ("ponet.") with HF's sequence-classification
// head: pooler output -> dropout -> `classifier` Linear(hidden, num_labels). Loss as in the official
// head: num_labels > 1 -> mean cross-entropy over int64 class ids; num_labels == 1 -> regression, mean
// squared error against float32 targets.
#pragma once
#include <memory>

#include "nn/ponet_model.h"
#include "nn/sequence_classifier.h"

namespace ponet::nn {

struct ClassificationOutputs {
  Tensor logits;             // [B, num_labels]
  Tensor loss;               // scalar, when labels are given
  Tensor pooler_output;      // [B, D]
  Tensor last_hidden_state;  // [B, L, D]
  std::vector<Tensor> hidden_states;
};

class PoNetForSequenceClassification : public SequenceClassifier {
 public:
  explicit PoNetForSequenceClassification(const PoNetConfig& config, uint64_t seed = 0);
  // inputs.labels: int64 [B] in [0, num_labels) (classification) or float32 [B] (num_labels == 1).
  ClassificationOutputs forward(const PoNetInputs& inputs, const ForwardOptions& options = {});

  const PoNetConfig& config() const { return config_; }
  std::string config_json() const override { return config_.to_json(); }
  std::string class_name() const override { return "PoNetForSequenceClassification"; }
  std::shared_ptr<PoNetModel> backbone() const { return ponet_; }

  ClassifierResult classify(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& segment_ids,
                            const Tensor& labels, const ForwardOptions& options = {}) override;
  int64_t num_classes() const override { return config_.num_labels; }
  int64_t max_length() const override { return config_.max_position_embeddings; }
  int64_t pad_id() const override { return config_.pad_token_id; }

 private:
  PoNetConfig config_;
  std::shared_ptr<PoNetModel> ponet_;
  std::shared_ptr<Dropout> dropout_;
  std::shared_ptr<Linear> classifier_;
};

}  // namespace ponet::nn
