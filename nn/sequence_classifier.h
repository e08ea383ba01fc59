// SequenceClassifier: what every sequence-classification model offers the training code, whatever its
// family (HF PoNet: PoNetForSequenceClassification; LRA: LraForSequenceClassification).
#pragma once
#include "nn/batch_context.h"
#include "nn/model.h"

namespace ponet::nn {

struct ClassifierResult {
  Tensor logits;  // [B, num_classes]
  Tensor loss;    // scalar mean cross-entropy, when labels are given
};

class SequenceClassifier : public Model {
 public:
  using Model::Model;
  // input_ids, attention_mask: int64 [B, L] (mask 1 = real token; the LRA family derives its mask from
  // ids != 0, so padding must use id 0 there); segment_ids: int64 [B, L] SMP segments or undefined (the
  // model's own rule: CLS/SEP or fixed chunks); labels: int64 [B] or undefined. options: fused_mixer and
  // dropout_rows are read by every family.
  virtual ClassifierResult classify(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& segment_ids,
                                    const Tensor& labels, const ForwardOptions& options = {}) = 0;
  virtual int64_t num_classes() const = 0;
  virtual int64_t max_length() const = 0;  // longest sequence the positions allow
  virtual int64_t pad_id() const = 0;
};

}  // namespace ponet::nn
