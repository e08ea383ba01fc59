// Causal softmax attention ("softmax_causal"), the GPT-style Transformer baseline of the causal PoNet:
// the softmax mixer's projections and names (HF query / key / value; LRA W_q / W_k / W_v), with the
// scores of keys after the query masked (-10000 added, so their probability is exactly 0 in float32)
// besides the padded keys. The forward is composed from autograd ops (the fused attention op has no causal
// mask). decode_step keeps a key/value cache: 2 x t x D floats after t positions.
#pragma once
#include "nn/incremental_mixer.h"
#include "nn/mixers/softmax_attention.h"

namespace ponet::nn {

class SoftmaxCausalAttention : public SoftmaxAttention, public IncrementalMixer {
 public:
  explicit SoftmaxCausalAttention(const MixerOptions& options);
  Tensor forward(const Tensor& x, const BatchContext& ctx) const override;
  std::unique_ptr<DecodeState> start_decoding() const override;
  Tensor decode_step(const Tensor& x, DecodeState& state) const override;

 private:
  int64_t num_heads_, head_dim_;
  float dropout_p_;
  Rng* rng_;
};

std::shared_ptr<TokenMixer> make_softmax_causal_attention(const MixerOptions& options);

}  // namespace ponet::nn
