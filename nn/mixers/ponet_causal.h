// The causal PoNet mixer ("ponet_causal"): PoNet's five projections (HF names dense_q, dense_k, dense_o,
// dense_local, dense_segment; LRA names W_q, W_k, W_v, W_local, W_segment) and the three branches fused by
// PF, where position t sees only positions <= t (docs/generation.md gives the formulas and the design):
//   GA   g_t = mean of q_0..q_t (the running mean), then a linearised attention of g_t over k_0..k_t with
//        the keys as values: ga_t = sum_m phi(g_t).phi(k_m) k_m / sum_m phi(g_t).phi(k_m), per head,
//        phi(x) = 1 + gelu(x) (smooth and positive, so no normaliser is ever 0)
//   SMP  the running max of the current segment: segments of causal_segment_length positions from 0
//   LMP  the max over the left window [t - 2, t]
//   PF   y_t = (ga_t + smp_t) * o_t + lmp_t; padded rows zeroed
// Batches must be right-padded (real tokens first): then causality alone keeps padding out of every real
// position. The forward is composed from autograd ops (the two causal pools are the prefix_max op); its
// GA is quadratic in L during training, while decode_step keeps a state of fixed size: the sum of q [D],
// per head sum phi(k) k^T [d, d] and sum phi(k) [d], the segment's running max [D] and the last two local
// projections [2, D].
#pragma once
#include "nn/incremental_mixer.h"

namespace ponet::nn {

// The three branches before PF, for tests that check each one's causality.
struct CausalMixerTrace {
  Tensor ga, smp, lmp;  // [B, L, D] each
};

// The forward given the five projections [B, L, D] and pad_rows int64 [B, L, 1] (1 = padded row).
Tensor ponet_causal_mixer_composed(const Tensor& q, const Tensor& k, const Tensor& o, const Tensor& local,
                                   const Tensor& segment, const Tensor& pad_rows, int64_t num_heads,
                                   int64_t segment_length, CausalMixerTrace* trace = nullptr);

class PoNetCausalMixer : public TokenMixer, public IncrementalMixer {
 public:
  explicit PoNetCausalMixer(const MixerOptions& options);
  Tensor forward(const Tensor& x, const BatchContext& ctx) const override;
  int64_t output_dim() const override { return dim_; }
  std::unique_ptr<DecodeState> start_decoding() const override;
  Tensor decode_step(const Tensor& x, DecodeState& state) const override;

  std::shared_ptr<Linear> q, k, o, local, segment;

  static constexpr int64_t kLocalWindow = 3;  // LMP: positions t - 2, t - 1, t

 private:
  int64_t dim_, num_heads_, segment_length_;
};

std::shared_ptr<TokenMixer> make_ponet_causal_mixer(const MixerOptions& options);

}  // namespace ponet::nn
