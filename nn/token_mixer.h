// Token mixers: the part of an encoder block that moves information between positions. A mixer maps
// x [B, L, D] to [B, L, D] given the batch context; everything else in a block (norms, residuals, the
// feed-forward) is the encoder's business, so a mixer plugs into either model family.
//
// Adding a mixer = one file in nn/mixers/ defining a TokenMixer subclass and a factory, plus one line in
// nn/token_mixers.cpp (docs/adding_a_mixer.md walks through it).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kernels/ponet_branches.h"
#include "nn/batch_context.h"
#include "nn/layers.h"

namespace ponet::nn {

// Which official parameter names a mixer registers.
//   hf:  the HF PoNet / BERT family, under "attention.self" (dense_q, ... / query, key, value)
//   lra: the official LRA code, under "mha" (W_q, W_k, W_v, W_local, W_segment)
enum class ParamNames { hf, lra };

struct MixerOptions {
  int64_t dim = 0;        // D, the model width (input and output of the mixer)
  int64_t num_heads = 1;
  int64_t head_dim = 0;   // per head; num_heads * head_dim is the width of the projections
  float attention_dropout = 0.f;
  ParamNames names = ParamNames::hf;
  Init init;
  Rng* dropout_rng = nullptr;  // the model's, for mixers with dropout inside
  PoNetBranches ponet_branches;  // the PoNet mixer's ablation switches (kernels/ponet_branches.h)
  int64_t causal_segment_length = 32;  // the causal PoNet's SMP segments (nn/mixers/ponet_causal.h)
};

class TokenMixer : public Module {
 public:
  virtual Tensor forward(const Tensor& x, const BatchContext& ctx) const = 0;
  // The official LRA block follows the mixer with a projection `mha.ff` (num_heads * head_dim -> D),
  // except for FNet, whose official forward replaces it by the identity.
  virtual bool has_output_projection() const { return true; }
  // Width of forward's output (the input of that projection).
  virtual int64_t output_dim() const = 0;
  // Does forward read ctx.segment_ids (then the model must build them)?
  virtual bool needs_segments() const { return false; }

  // Registers a child under this mixer's name scope (the LRA block puts `ff` here: "mha.ff").
  template <class M>
  std::shared_ptr<M> adopt(const std::string& name, std::shared_ptr<M> child) {
    return register_module(name, std::move(child));
  }
};

using MixerFactory = std::function<std::shared_ptr<TokenMixer>(const MixerOptions&)>;

// The registry (nn/token_mixers.cpp). Unknown names throw, listing the known ones.
std::shared_ptr<TokenMixer> make_token_mixer(const std::string& name, const MixerOptions& options);
std::vector<std::string> token_mixer_names();
bool is_token_mixer(const std::string& name);
// Adds a mixer defined outside the library (examples/custom_mixer.cpp), after the built-in ones. Call it
// at start-up, before building models and before any other thread reads the registry. An empty or taken
// name, or an empty factory, throws.
void register_token_mixer(const std::string& name, MixerFactory factory);

}  // namespace ponet::nn
