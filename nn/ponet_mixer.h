// The PoNet token mixer (HF name: attention.self): five projections of the layer input, then
// GA + SMP + LMP fused by PF. Two implementations with one contract:
//   ponet_mixer_composed  built from autograd ops, one step per line (the readable one)
//   ponet_mixer           (autograd/ops.h) one fused forward and one fused backward kernel
// tests/test_ponet_model.cpp checks they agree.
#pragma once
#include "nn/layers.h"
#include "nn/ponet_config.h"

namespace ponet::nn {

// Intermediates of the composed mixer, for the fixture debug tensors.
struct MixerTrace {
  Tensor ga_prob;         // [B, h, L]
  Tensor ga_value;        // [B, h, d]
  Tensor segment_pooled;  // [B, L, D] after the special-row zeroing
  Tensor local_pooled;    // [B, L, D]
  Tensor mixer_output;    // [B, L, D]
};

// Same arguments as ponet::ponet_mixer (see autograd/ops.h).
Tensor ponet_mixer_composed(const Tensor& q, const Tensor& k, const Tensor& o, const Tensor& local,
                            const Tensor& segment, const Tensor& valid, const Tensor& segment_ids,
                            const Tensor& special, int64_t num_heads, MixerTrace* trace = nullptr);

// What every layer of one forward pass shares: masks and segment ids, already on the model's device.
struct MixerContext {
  Tensor valid;        // int64 [B, L]
  Tensor segment_ids;  // int64 [B, L]
  Tensor special;      // int64 [B, L], or undefined when the special-token rule is off
  bool fused = true;   // fused kernel or composed ops
  MixerTrace* trace = nullptr;  // only honoured by the composed path
};

class PoNetMixer : public Module {
 public:
  PoNetMixer(const PoNetConfig& config, const Init& init);
  Tensor forward(const Tensor& x, const MixerContext& ctx) const;

  std::shared_ptr<Linear> dense_local, dense_segment, dense_q, dense_k, dense_o;

 private:
  int64_t num_heads_;
};

}  // namespace ponet::nn
