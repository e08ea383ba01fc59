// The HF PoNet backbone, PoNetModel: BERT embeddings, N encoder blocks around a token mixer (PoNet's by
// default; any registered mixer works), post-LN as BERT (the default) or pre-LN (config
// layer_norm_position), and the pooler. Parameter names are the official HF names below "ponet."
// (embeddings..., encoder.layer.N..., pooler.dense...); a pre-LN model adds the final encoder.LayerNorm.
//
// The batch is prepared once per forward (PoNetModel::forward): inputs are checked on the host, defaults
// filled, the segment index built, and one BatchContext uploaded for every layer.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "nn/batch_context.h"
#include "nn/layers.h"
#include "nn/mixers/ponet.h"
#include "nn/ponet_config.h"
#include "nn/token_mixer.h"

namespace ponet::nn {

// One batch. All int64 [B, L] except next_sentence_label [B]. Optional tensors may be undefined:
// attention_mask -> all ones, token_type_ids -> zeros, segment_ids -> derived (or LRA chunks),
// labels / next_sentence_label -> no loss. `labels` is read by the heads: MLM labels [B, L] for
// pretraining, class ids (or targets) [B] for sequence classification.
struct PoNetInputs {
  Tensor input_ids, attention_mask, token_type_ids, segment_ids, labels, next_sentence_label;
};

struct PoNetModelOutputs {
  Tensor last_hidden_state;           // [B, L, D]
  Tensor pooler_output;               // [B, D]
  // N + 1 of [B, L, D]: embeddings, then each layer; pre-LN the last one is after the final LayerNorm
  // (it is last_hidden_state, as in Hugging Face's pre-LN models)
  std::vector<Tensor> hidden_states;
  Tensor segment_index;               // int64 [B, L] (host), the ids SMP used; undefined if no mixer pools
};

class PoNetEmbeddings : public Module {
 public:
  PoNetEmbeddings(const PoNetConfig& c, const Init& init, Rng* dropout_rng);
  Tensor forward(const Tensor& input_ids, const Tensor& token_type_ids, const BatchContext& ctx) const;
  std::shared_ptr<Embedding> word_embeddings, position_embeddings, token_type_embeddings;
  std::shared_ptr<LayerNorm> norm;
  std::shared_ptr<Dropout> dropout;
};

// BERT's attention.output and output modules: dense, LayerNorm, dropout. Post-LN they compute
// LayerNorm(dropout(dense(x)) + residual); pre-LN the block applies the LayerNorm to the sublayer's input
// and the residual step is dropout(dense(x)) + residual.
class ResidualLayerNorm : public Module {
 public:
  ResidualLayerNorm(int64_t in, int64_t out, const PoNetConfig& c, const Init& init, Rng* dropout_rng);
  // norm(dropout(projected) + residual), projected = dense(x) computed by the caller (so that a
  // recomputed part can end at dense)
  Tensor add_and_norm(const Tensor& projected, const Tensor& residual, const BatchContext& ctx) const;
  // dropout(projected) + residual: the pre-LN residual step
  Tensor add_residual(const Tensor& projected, const Tensor& residual, const BatchContext& ctx) const;
  std::shared_ptr<Linear> dense;
  std::shared_ptr<LayerNorm> norm;
  std::shared_ptr<Dropout> dropout;
};

// The family's encoder block, with LN1 = attention.output.LayerNorm and LN2 = output.LayerNorm:
//   post-LN  a = LN1(dropout(W_o mixer(x)) + x);    out = LN2(dropout(W_2 gelu(W_1 a)) + a)
//   pre-LN   a = x + dropout(W_o mixer(LN1(x)));    out = a + dropout(W_2 gelu(W_1 LN2(a)))
// Its two parts, the mixer sublayer and the feed-forward (pre-LN: each with its LayerNorm), run again in
// backward where ctx.recompute says so (nn/recompute.h).
class BertBlock : public Module {
 public:
  BertBlock(const PoNetConfig& c, const Init& init, Rng* dropout_rng);
  Tensor forward(const Tensor& x, const BatchContext& ctx) const;
  // The block with `mixer_fn` in place of mixer->forward (it gets the mixer's input: x post-LN, LN1(x)
  // pre-LN): generation runs one position through a mixer's incremental state (nn/causal_decoder.h).
  // A recomputed mixer part stores mixer_fn in the graph: it must own what it captures.
  using MixerFn = std::function<Tensor(const Tensor& mixer_input)>;
  Tensor forward_with(const Tensor& x, const MixerFn& mixer_fn, const BatchContext& ctx) const;
  bool pre_ln() const { return position_ == LayerNormPosition::pre; }
  std::shared_ptr<TokenMixer> mixer;  // "attention.self"
  std::shared_ptr<ResidualLayerNorm> attention_output;
  std::shared_ptr<Linear> intermediate_dense;
  std::shared_ptr<ResidualLayerNorm> output;

 private:
  // W_o mixer(x), pre-LN W_o mixer(LN1(x))
  Tensor mix(const Tensor& x, const MixerFn& mixer_fn, const BatchContext& ctx) const;
  // W_2 gelu(W_1 a), pre-LN W_2 gelu(W_1 LN2(a))
  Tensor feed_forward(const Tensor& a, const BatchContext& ctx) const;
  LayerNormPosition position_;
  Rng* dropout_rng_;  // replayed when a recomputed part draws from it (the softmax mixer's dropout)
};

class PoNetModel : public Module {
 public:
  PoNetModel(const PoNetConfig& config, const Init& init, Rng* dropout_rng);
  // Checks the inputs against the config (errors name the tensor and the bad value) and runs the
  // backbone on the device of the parameters.
  PoNetModelOutputs forward(const PoNetInputs& inputs, const ForwardOptions& options = {}) const;
  std::shared_ptr<PoNetEmbeddings> embeddings;
  std::vector<std::shared_ptr<BertBlock>> layers;
  // Pre-LN only (null post-LN): normalises the residual stream after the last block, so that the heads
  // and the pooler read a normalised last_hidden_state. Named "encoder.LayerNorm" as in Hugging Face's
  // pre-LN encoders (XLM-RoBERTa-XL), and like every LayerNorm here, so the optimizer's default filter
  // keeps weight decay off it.
  std::shared_ptr<LayerNorm> final_layer_norm;
  std::shared_ptr<Linear> pooler_dense;

 private:
  PoNetConfig config_;
};

// Host-side check of an int64 tensor: values in [lo, hi). `bound` explains the range in the message.
void check_ids_in_range(const Tensor& t, int64_t lo, int64_t hi, const char* model, const char* name,
                        const char* bound);

}  // namespace ponet::nn
