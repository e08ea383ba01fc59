// PoNetForCausalLM: the PoNetModel backbone ("ponet.") with a causal token mixer in every layer
// (nn/incremental_mixer.h: ponet_causal or softmax_causal) and a next-token head ("cls.predictions.":
// transform dense + GELU + LayerNorm, decoder tied to the word embeddings, bias), the HF names of the
// pretraining model's MLM head. Logits at position t predict the token at t + 1 from tokens <= t.
// The backbone's pooler is built (same parameter set as the family) but takes no part.
#pragma once
#include <memory>

#include "nn/model.h"
#include "nn/ponet_model.h"

namespace ponet::nn {

struct CausalLMOutputs {
  Tensor logits;  // [B, L, V]
  Tensor loss;    // scalar: mean cross-entropy over the labels != -100 (when labels are given)
};

class PoNetForCausalLM : public Model {
 public:
  // Throws when config.mixer is not causal, naming the causal ones. The special-token rule and fixed
  // chunks are PoNet-encoder settings the causal mixers do not read.
  explicit PoNetForCausalLM(const PoNetConfig& config, uint64_t seed = 0);

  // input_ids int64 [B, L]; attention_mask int64 [B, L] (undefined: all real) must be right-padded (each
  // row 1...1 0...0); labels int64 [B, L] the next token of each position, -100 where not scored (padding,
  // the last position). token_type_ids and segment_ids are not taken.
  CausalLMOutputs forward(const PoNetInputs& inputs, const ForwardOptions& options = {});
  // The head on hidden states [..., D] -> logits [..., V].
  Tensor lm_logits(const Tensor& hidden, Precision precision = Precision::fp32) const;

  const PoNetConfig& config() const { return config_; }
  std::string config_json() const override { return config_.to_json(); }
  std::string class_name() const override { return "PoNetForCausalLM"; }
  const PoNetModel& backbone() const { return *ponet_; }

 private:
  PoNetConfig config_;
  std::shared_ptr<PoNetModel> ponet_;
  std::shared_ptr<Linear> transform_dense_;
  std::shared_ptr<LayerNorm> transform_norm_;
  Tensor lm_bias_;
};

}  // namespace ponet::nn
