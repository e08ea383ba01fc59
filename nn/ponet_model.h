// The HF PoNet backbone, PoNetModel: BERT embeddings, N post-LN encoder blocks around a token mixer
// (PoNet's by default; any registered mixer works), and the pooler. Parameter names are the official
// HF names below "ponet." (embeddings..., encoder.layer.N..., pooler.dense...).
//
// The batch is prepared once per forward (PoNetModel::forward): inputs are checked on the host, defaults
// filled, the segment index built, and one BatchContext uploaded for every layer.
#pragma once
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
  std::vector<Tensor> hidden_states;  // N + 1 of [B, L, D]: embeddings, then each layer
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

// LayerNorm(dropout(dense(x)) + residual): BERT's attention.output and output blocks.
class ResidualLayerNorm : public Module {
 public:
  ResidualLayerNorm(int64_t in, int64_t out, const PoNetConfig& c, const Init& init, Rng* dropout_rng);
  // norm(dropout(projected) + residual), projected = dense(x) computed by the caller (so that a
  // recomputed part can end at dense)
  Tensor add_and_norm(const Tensor& projected, const Tensor& residual, const BatchContext& ctx) const;
  std::shared_ptr<Linear> dense;
  std::shared_ptr<LayerNorm> norm;
  std::shared_ptr<Dropout> dropout;
};

// A post-LN block: a = LN(dropout(W_o mixer(x)) + x); out = LN(dropout(W_2 gelu(W_1 a)) + a). Its two
// parts, the mixer sublayer and the feed-forward, run again in backward where ctx.recompute says so
// (nn/recompute.h).
class PostLNBlock : public Module {
 public:
  PostLNBlock(const PoNetConfig& c, const Init& init, Rng* dropout_rng);
  Tensor forward(const Tensor& x, const BatchContext& ctx) const;
  std::shared_ptr<TokenMixer> mixer;  // "attention.self"
  std::shared_ptr<ResidualLayerNorm> attention_output;
  std::shared_ptr<Linear> intermediate_dense;
  std::shared_ptr<ResidualLayerNorm> output;

 private:
  Tensor mix(const Tensor& x, const BatchContext& ctx) const;  // W_o mixer(x)
  Tensor feed_forward(const Tensor& a, const BatchContext& ctx) const;  // W_2 gelu(W_1 a)
  Rng* dropout_rng_;  // replayed when a recomputed part draws from it (the softmax mixer's dropout)
};

class PoNetModel : public Module {
 public:
  PoNetModel(const PoNetConfig& config, const Init& init, Rng* dropout_rng);
  // Checks the inputs against the config (errors name the tensor and the bad value) and runs the
  // backbone on the device of the parameters.
  PoNetModelOutputs forward(const PoNetInputs& inputs, const ForwardOptions& options = {}) const;
  std::shared_ptr<PoNetEmbeddings> embeddings;
  std::vector<std::shared_ptr<PostLNBlock>> layers;
  std::shared_ptr<Linear> pooler_dense;

 private:
  PoNetConfig config_;
};

// Host-side check of an int64 tensor: values in [lo, hi). `bound` explains the range in the message.
void check_ids_in_range(const Tensor& t, int64_t lo, int64_t hi, const char* model, const char* name,
                        const char* bound);

}  // namespace ponet::nn
