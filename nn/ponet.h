// PoNet for pre-training: BERT embeddings, N post-LN layers whose attention is the PoNet mixer, the
// pooler, the MLM head (decoder tied to the word embeddings) and the 3-way SSO head.
// Parameter names are the official HF state-dict names (ponet.embeddings..., cls.predictions...).
#pragma once
#include <memory>
#include <vector>

#include "nn/layers.h"
#include "nn/ponet_config.h"
#include "nn/ponet_mixer.h"

namespace ponet::nn {

// One batch. All int64 [B, L] except next_sentence_label [B]. Optional tensors may be undefined:
// attention_mask -> all ones, token_type_ids -> zeros, segment_ids -> derived (or LRA chunks),
// labels / next_sentence_label -> no loss.
struct PoNetInputs {
  Tensor input_ids, attention_mask, token_type_ids, segment_ids, labels, next_sentence_label;
};

struct PoNetOutputs {
  Tensor last_hidden_state;        // [B, L, D]
  Tensor pooler_output;            // [B, D]
  Tensor prediction_logits;        // [B, L, V], or [M, V] for the M scored positions (see options)
  Tensor seq_relationship_logits;  // [B, 3]
  Tensor loss, mlm_loss, sso_loss; // scalars, when labels are given
  std::vector<Tensor> hidden_states;  // N + 1 of [B, L, D]: embeddings, then each layer
  Tensor segment_index;               // int64 [B, L], the ids SMP used
};

struct ForwardOptions {
  bool fused_mixer = true;         // fused kernel (fast) or composed ops (readable, traceable)
  bool logits_for_labels_only = false;  // MLM logits only at positions with label != -100 (training)
  std::vector<MixerTrace>* traces = nullptr;  // per-layer mixer intermediates (forces composed)
};

class PoNetEmbeddings : public Module {
 public:
  PoNetEmbeddings(const PoNetConfig& c, const Init& init, Rng* dropout_rng);
  Tensor forward(const Tensor& input_ids, const Tensor& token_type_ids) const;
  std::shared_ptr<Embedding> word_embeddings, position_embeddings, token_type_embeddings;
  std::shared_ptr<LayerNorm> norm;
  std::shared_ptr<Dropout> dropout;
};

// LayerNorm(dropout(dense(x)) + residual): BERT's attention.output and output blocks.
class ResidualLayerNorm : public Module {
 public:
  ResidualLayerNorm(int64_t in, int64_t out, const PoNetConfig& c, const Init& init, Rng* dropout_rng);
  Tensor forward(const Tensor& x, const Tensor& residual) const;
  std::shared_ptr<Linear> dense;
  std::shared_ptr<LayerNorm> norm;
  std::shared_ptr<Dropout> dropout;
};

class PoNetLayer : public Module {
 public:
  PoNetLayer(const PoNetConfig& c, const Init& init, Rng* dropout_rng);
  Tensor forward(const Tensor& x, const MixerContext& ctx) const;
  std::shared_ptr<Module> attention;  // holds "self" (the mixer) and "output"
  std::shared_ptr<PoNetMixer> mixer;
  std::shared_ptr<ResidualLayerNorm> attention_output;
  std::shared_ptr<Module> intermediate;
  std::shared_ptr<Linear> intermediate_dense;
  std::shared_ptr<ResidualLayerNorm> output;
};

class PoNetForPreTraining : public Module {
 public:
  // Parameters are initialised from `seed` (BERT init: N(0, initializer_range), biases 0, LN 1/0).
  explicit PoNetForPreTraining(const PoNetConfig& config, uint64_t seed = 0);

  PoNetOutputs forward(const PoNetInputs& inputs, const ForwardOptions& options = {});

  const PoNetConfig& config() const { return config_; }
  Rng& dropout_rng() { return dropout_rng_; }
  Device device() const { return word_embeddings()->weight.device(); }
  std::shared_ptr<Embedding> word_embeddings() const { return embeddings_->word_embeddings; }

 private:
  // Checks ids, masks and shapes against the config; fills the defaults; returns the batch on the
  // model's device plus the host-side segment ids and special mask.
  PoNetInputs prepare(const PoNetInputs& in, MixerContext& ctx, Tensor& segment_index) const;

  PoNetConfig config_;
  Rng init_rng_, dropout_rng_;
  std::shared_ptr<Module> ponet_, encoder_, pooler_, cls_, predictions_, transform_;
  std::shared_ptr<PoNetEmbeddings> embeddings_;
  std::vector<std::shared_ptr<PoNetLayer>> layers_;
  std::shared_ptr<Linear> pooler_dense_, transform_dense_, seq_relationship_;
  std::shared_ptr<LayerNorm> transform_norm_;
  Tensor mlm_bias_;
};

}  // namespace ponet::nn
