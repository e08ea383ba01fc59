// Multi-head scaled dot-product self-attention, the Transformer baseline: Q, K, V projections, softmax of
// Q K^T / sqrt(d) over the real keys (padded keys get probability 0), attention dropout, P V.
// HF names query / key / value (BERT's attention.self); LRA names W_q / W_k / W_v. The output projection
// belongs to the block (HF attention.output.dense, LRA mha.ff).
//   fused (default): the attention op (autograd/ops.h), which keeps only P [B, h, L, L] for backward
//   composed: the same from matmul / softmax / dropout ops (readable; keeps several L x L tensors)
#pragma once
#include "nn/token_mixer.h"

namespace ponet::nn {

class SoftmaxAttention : public TokenMixer {
 public:
  explicit SoftmaxAttention(const MixerOptions& options);
  Tensor forward(const Tensor& x, const BatchContext& ctx) const override;
  int64_t output_dim() const override { return num_heads_ * head_dim_; }

  std::shared_ptr<Linear> q, k, v;

 private:
  int64_t num_heads_, head_dim_;
  float dropout_p_;
  Rng* rng_;
};

std::shared_ptr<TokenMixer> make_softmax_attention(const MixerOptions& options);

}  // namespace ponet::nn
