// The LRA family, exactly as the official LRA code computes it (lxchtan/PoNet examples/LRA/code,
// model.py + model_wrapper.py; the mixer and the fixtures: docs/ponet_mixer_spec.md):
//   embeddings  X = word[id] + pos[l] (learned positions), dropout; no LayerNorm, no token types
//   N pre-LN blocks  X += dropout(ff(mixer(norm1 X)));  X += dropout(W2 dropout(gelu(W1 norm2 X)))
//   token_out = norm(X) * mask;  pooled = mean over all L positions (padding included in the divisor)
//   head "seq_classifer" (sic): Linear -> ReLU -> Linear;  loss: mean cross-entropy over the batch
// mask = input_ids != 0 (id 0 is padding). Parameter names are the official ones: model.embeddings...,
// model.transformer_N.{norm1, mha.*, norm2, mlpblock.0, mlpblock.3}, model.norm, seq_classifer.mlpblock.{0,2}.
#pragma once
#include <memory>
#include <vector>

#include "nn/layers.h"
#include "nn/lra_config.h"
#include "nn/sequence_classifier.h"
#include "nn/token_mixer.h"

namespace ponet::nn {

struct LraInputs {
  Tensor input_ids;  // int64 [B, L], 0 = padding
  Tensor labels;     // int64 [B] in [0, num_classes), optional
};

struct LraOutputs {
  Tensor logits;                      // [B, num_classes]
  Tensor loss;                        // scalar, when labels are given
  Tensor token_out;                   // [B, L, D]: final LayerNorm times the mask
  Tensor pooled;                      // [B, D]
  std::vector<Tensor> hidden_states;  // N + 1 of [B, L, D]: embeddings, then after each block
};

class PreLNBlock : public Module {
 public:
  PreLNBlock(const LraConfig& c, const Init& init, Rng* dropout_rng);
  Tensor forward(const Tensor& x, const BatchContext& ctx) const;
  std::shared_ptr<LayerNorm> norm1, norm2;
  std::shared_ptr<TokenMixer> mixer;  // "mha"
  std::shared_ptr<Linear> out_proj;   // "mha.ff", or null when the mixer has no output projection (FNet)
  std::shared_ptr<Linear> fc1, fc2;   // "mlpblock.0", "mlpblock.3"
  std::shared_ptr<Dropout> dropout;
};

// What the encoder gives: the official token_out and every hidden state.
struct LraEncoderOutputs {
  Tensor token_out;                   // [B, L, D]: final LayerNorm times the mask
  std::vector<Tensor> hidden_states;  // N + 1 of [B, L, D]: embeddings, then after each block
};

// The encoder every LRA model shares, registered by its owner as "model": embeddings (word + learned
// positions, dropout), the pre-LN blocks and the final LayerNorm. Its dropouts draw from the owner's Rng.
class LraEncoder : public Module {
 public:
  LraEncoder(const LraConfig& config, const Init& init, Rng* dropout_rng);
  // Checks input_ids (int64 [B, L] on any device: ids in [0, vocab), L <= max_seq_len, a real token in
  // every row) and returns the official mask, host int64 [B, L], 1 where id != 0.
  Tensor check_input_ids(const Tensor& input_ids) const;
  // Checks the ids and runs. options: fused_mixer, dropout_rows and precision apply.
  LraEncoderOutputs forward(const Tensor& input_ids, const ForwardOptions& options = {}) const {
    return forward(input_ids, check_input_ids(input_ids), options);
  }
  // Runs on ids already checked, with their mask from check_input_ids (so a model checks its own
  // inputs, e.g. labels, between the two without running anything).
  LraEncoderOutputs forward(const Tensor& input_ids, const Tensor& mask, const ForwardOptions& options) const;

  std::shared_ptr<Embedding> word_embeddings, position_embeddings;
  std::shared_ptr<Dropout> embedding_dropout;
  std::vector<std::shared_ptr<PreLNBlock>> blocks;
  std::shared_ptr<LayerNorm> final_norm;

 private:
  LraConfig config_;
};

class LraForSequenceClassification : public SequenceClassifier {
 public:
  explicit LraForSequenceClassification(const LraConfig& config, uint64_t seed = 0);
  // Checks the inputs (ids in [0, vocab), L <= max_seq_len, a real token in every row, labels in range).
  // options.fused_mixer: the fused kernels where a mixer has them (PoNet), else composed ops;
  // options.dropout_rows: the rows of the global batch this forward holds. Other options do not apply.
  LraOutputs forward(const LraInputs& inputs, const ForwardOptions& options = {});

  const LraConfig& config() const { return config_; }
  std::string config_json() const override { return config_.to_json(); }
  std::string class_name() const override { return "LraForSequenceClassification"; }

  // attention_mask, when given, must agree with input_ids != 0 (the official LRA mask).
  ClassifierResult classify(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& segment_ids,
                            const Tensor& labels, const ForwardOptions& options = {}) override;
  int64_t num_classes() const override { return config_.num_classes; }
  int64_t max_length() const override { return config_.max_seq_len; }
  int64_t pad_id() const override { return 0; }
  const LraEncoder& encoder() const { return *encoder_; }

 private:
  LraConfig config_;
  std::shared_ptr<LraEncoder> encoder_;  // "model"
  std::shared_ptr<Linear> head_fc1_, head_fc2_;
};

}  // namespace ponet::nn
