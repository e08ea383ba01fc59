// LraForMaskedLM: the LRA family's encoder ("model.", nn/lra.h) with a masked-token head ("mlm_head."),
// for pretraining on a task's own training sequences before fine-tuning the classifier on them (Amos,
// Berant & Gupta 2024, "Never Train from Scratch"; `ponet lra TASK --self-pretrain`, docs/lra.md):
//   token_out = the encoder's (final LayerNorm times the mask), gathered at the scored positions
//   head  logits = decoder(LayerNorm(gelu(transform(token_out))))   (transform D -> D, decoder D -> vocab)
//   loss  mean cross-entropy over the scored positions (labels != -100)
// The encoder is the classifier's, parameter for parameter, so copy_lra_encoder moves it over.
#pragma once
#include <memory>
#include <vector>

#include "nn/lra.h"

namespace ponet::nn {

struct LraMaskedLMOutputs {
  Tensor logits;                      // [M, vocab_size]: the M scored positions, in row-major order
  Tensor targets;                     // int64 [M] (host): their labels
  Tensor loss;                        // scalar: mean cross-entropy over the M positions
  Tensor token_out;                   // [B, L, D]: the encoder's
  std::vector<Tensor> hidden_states;  // N + 1 of [B, L, D]: the encoder's
};

class LraForMaskedLM : public Model {
 public:
  explicit LraForMaskedLM(const LraConfig& config, uint64_t seed = 0);
  // input_ids: int64 [B, L] (checked as the classifier checks them); labels: int64 [B, L], -100 where
  // not scored, else an id in [0, vocab_size); at least one position must be scored. options:
  // fused_mixer, dropout_rows and precision apply (logits are always those of the scored positions).
  LraMaskedLMOutputs forward(const Tensor& input_ids, const Tensor& labels, const ForwardOptions& options = {});

  const LraConfig& config() const { return config_; }
  const LraEncoder& encoder() const { return *encoder_; }
  std::string config_json() const override { return config_.to_json(); }
  std::string class_name() const override { return "LraForMaskedLM"; }

 private:
  LraConfig config_;
  std::shared_ptr<LraEncoder> encoder_;        // "model"
  std::shared_ptr<Linear> transform_, decoder_;  // "mlm_head.transform", "mlm_head.decoder"
  std::shared_ptr<LayerNorm> norm_;            // "mlm_head.norm"
};

// Copies every "model.*" parameter of `from` into `to` (values only; `to` keeps its devices and head).
// The two must have the same encoder parameters: a name one lacks or a shape that differs is an error
// naming the tensor, thrown before anything is copied.
void copy_lra_encoder(const LraForMaskedLM& from, LraForSequenceClassification& to);

}  // namespace ponet::nn
