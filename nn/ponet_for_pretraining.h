// PoNetForPreTraining: the PoNetModel backbone ("ponet.") with the MLM head (decoder tied to the word
// embeddings) and the 3-way SSO head ("cls."), official HF parameter names. It returns each head's loss;
// HF's model also returns their sum, which here is the task's business.
#pragma once
#include <memory>
#include <vector>

#include "nn/model.h"
#include "nn/ponet_model.h"

namespace ponet::nn {

struct PoNetOutputs {
  Tensor last_hidden_state;        // [B, L, D]
  Tensor pooler_output;            // [B, D]
  Tensor prediction_logits;        // [B, L, V], or [M, V] for the M scored positions (see options)
  Tensor seq_relationship_logits;  // [B, 3]
  // The two objectives' mean cross-entropies (scalars, when labels are given); the training objective
  // that combines them belongs to the task (train/pretraining_task.h).
  Tensor mlm_loss, sso_loss;
  std::vector<Tensor> hidden_states;  // N + 1 of [B, L, D]: embeddings, then each layer
  Tensor segment_index;               // int64 [B, L], the ids SMP used
};

class PoNetForPreTraining : public Model {
 public:
  // Parameters are initialised from `seed` (BERT init: N(0, initializer_range), biases 0, LN 1/0).
  explicit PoNetForPreTraining(const PoNetConfig& config, uint64_t seed = 0);

  // labels: MLM labels [B, L] (-100 = not scored); next_sentence_label [B] in [0, num_sso_labels).
  PoNetOutputs forward(const PoNetInputs& inputs, const ForwardOptions& options = {});

  const PoNetConfig& config() const { return config_; }
  std::string config_json() const override { return config_.to_json(); }
  std::string class_name() const override { return "PoNetForPreTraining"; }
  std::shared_ptr<Embedding> word_embeddings() const { return ponet_->embeddings->word_embeddings; }

 private:
  PoNetConfig config_;
  std::shared_ptr<PoNetModel> ponet_;
  std::shared_ptr<Linear> transform_dense_, seq_relationship_;
  std::shared_ptr<LayerNorm> transform_norm_;
  Tensor mlm_bias_;
};

}  // namespace ponet::nn
