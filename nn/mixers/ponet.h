// The PoNet token mixer (HF name "attention.self", LRA name "mha"): five projections of the layer input,
// then GA + SMP + LMP fused by PF, or the branches that MixerOptions::ponet_branches keeps (the paper's
// ablation; a removed branch's projections stay, with their names, and get zero gradient). Two
// implementations with one contract:
//   ponet_mixer_composed  built from autograd ops, one step per line (the readable one)
//   ponet_mixer           (autograd/ops.h) one fused forward and one fused backward kernel
// tests/test_ponet_model.cpp checks they agree.
#pragma once
#include "nn/token_mixer.h"

namespace ponet::nn {

// Intermediates of the composed mixer, for the fixture debug tensors.
struct MixerTrace {
  Tensor ga_prob;         // [B, h, L]
  Tensor ga_value;        // [B, h, d]
  Tensor segment_pooled;  // [B, L, D] after the special-row zeroing
  Tensor local_pooled;    // [B, L, D]
  Tensor mixer_output;    // [B, L, D]
};

// Same arguments as ponet::ponet_mixer (see autograd/ops.h). The trace leaves the tensors of a removed
// branch undefined.
Tensor ponet_mixer_composed(const Tensor& q, const Tensor& k, const Tensor& o, const Tensor& local,
                            const Tensor& segment, const Tensor& valid, const Tensor& segment_ids,
                            const Tensor& special, int64_t num_heads, const PoNetBranches& branches = {},
                            MixerTrace* trace = nullptr);

// The five projections of a PoNet mixer, each Linear(D, D): HF names dense_q, dense_k, dense_o,
// dense_local, dense_segment; LRA names W_q, W_k, W_v (= O), W_local, W_segment. `add(name)` registers one
// with the mixer; they are added in the official state-dict order of each family (which is the order of
// named_parameters). Shared by the causal PoNet mixer (nn/mixers/ponet_causal.h).
struct PoNetProjections {
  std::shared_ptr<Linear> q, k, o, local, segment;
};
PoNetProjections add_ponet_projections(ParamNames names, const std::function<std::shared_ptr<Linear>(const char*)>& add);

class PoNetMixer : public TokenMixer {
 public:
  explicit PoNetMixer(const MixerOptions& options);
  Tensor forward(const Tensor& x, const BatchContext& ctx) const override;
  int64_t output_dim() const override { return dim_; }
  bool needs_segments() const override { return true; }
  const PoNetBranches& branches() const { return branches_; }

  // HF names dense_q, dense_k, dense_o, dense_local, dense_segment; LRA names W_q, W_k, W_v (= O),
  // W_local, W_segment. Registered in the official state-dict order of each family.
  std::shared_ptr<Linear> q, k, o, local, segment;

 private:
  int64_t dim_, num_heads_;
  PoNetBranches branches_;
};

std::shared_ptr<TokenMixer> make_ponet_mixer(const MixerOptions& options);

}  // namespace ponet::nn
