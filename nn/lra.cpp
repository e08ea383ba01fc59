#include "nn/lra.h"

#include "core/error.h"
#include "nn/ponet_model.h"
#include "nn/segment_index.h"

namespace ponet::nn {

PreLNBlock::PreLNBlock(const LraConfig& c, const Init& init, Rng* dropout_rng) {
  const int64_t D = c.transformer_dim;
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(D, c.layer_norm_eps));
  MixerOptions m;
  m.dim = D;
  m.num_heads = c.num_head;
  m.head_dim = c.head_dim;
  m.attention_dropout = c.attention_dropout;
  m.names = ParamNames::lra;
  m.init = init;
  m.dropout_rng = dropout_rng;
  m.ponet_branches = c.ponet_branches;
  mixer = register_module("mha", make_token_mixer(c.attn_type, m));
  if (mixer->has_output_projection())
    out_proj = mixer->adopt("ff", std::make_shared<Linear>(mixer->output_dim(), D, init));
  else
    PONET_CHECK(mixer->output_dim() == D, "LRA block: mixer ", c.attn_type, " has no output projection but width ",
                mixer->output_dim(), " != ", D);
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(D, c.layer_norm_eps));
  auto mlp = std::make_shared<Container>();
  fc1 = mlp->register_module("0", std::make_shared<Linear>(D, c.transformer_hidden_dim, init));
  fc2 = mlp->register_module("3", std::make_shared<Linear>(c.transformer_hidden_dim, D, init));
  register_module("mlpblock", mlp);
  dropout = register_module("dropout", std::make_shared<Dropout>(c.dropout_prob, dropout_rng));
}

Tensor PreLNBlock::forward(const Tensor& x, const BatchContext& ctx) const {
  Tensor mixed = mixer->forward(norm1->forward(x), ctx);
  if (out_proj) mixed = out_proj->forward(mixed, ctx.precision);
  const DropoutRows& rows = ctx.dropout_rows;
  Tensor h = add(dropout->forward(mixed, rows), x);
  Tensor ffn = fc2->forward(dropout->forward(gelu(fc1->forward(norm2->forward(h), ctx.precision)), rows), ctx.precision);
  return add(dropout->forward(ffn, rows), h);
}

LraForSequenceClassification::LraForSequenceClassification(const LraConfig& c, uint64_t seed)
    : SequenceClassifier(seed), config_(c) {
  config_.validate();
  Init init{&init_rng_, c.initializer_range, Init::Scheme::torch};
  const int64_t D = c.transformer_dim;
  auto model = std::make_shared<Container>();
  auto emb = std::make_shared<Container>();
  word_embeddings_ = emb->register_module("word_embeddings", std::make_shared<Embedding>(c.vocab_size, D, init));
  position_embeddings_ =
      emb->register_module("position_embeddings", std::make_shared<Embedding>(c.max_seq_len, D, init));
  embedding_dropout_ = emb->register_module("dropout", std::make_shared<Dropout>(c.dropout_prob, &dropout_rng_));
  model->register_module("embeddings", emb);
  for (int64_t i = 0; i < c.num_layers; ++i)
    blocks_.push_back(model->register_module("transformer_" + std::to_string(i),
                                             std::make_shared<PreLNBlock>(c, init, &dropout_rng_)));
  final_norm_ = model->register_module("norm", std::make_shared<LayerNorm>(D, c.layer_norm_eps));
  register_module("model", model);
  auto head = std::make_shared<Container>();
  auto mlp = std::make_shared<Container>();
  head_fc1_ = mlp->register_module("0", std::make_shared<Linear>(D, c.transformer_hidden_dim, init));
  head_fc2_ = mlp->register_module("2", std::make_shared<Linear>(c.transformer_hidden_dim, c.num_classes, init));
  head->register_module("mlpblock", mlp);
  register_module("seq_classifer", head);  // sic: the official name
}

LraOutputs LraForSequenceClassification::forward(const LraInputs& in, const ForwardOptions& options) {
  const LraConfig& c = config_;
  const char* who = "LRA model";
  PONET_CHECK(in.input_ids.defined(), who, ": input_ids are required");
  check_dtype(in.input_ids, DType::I64, who, "input_ids");
  check_dim(in.input_ids, 2, who, "input_ids");
  const int64_t B = in.input_ids.size(0), L = in.input_ids.size(1);
  PONET_CHECK(B > 0 && L > 0, who, ": empty batch ", in.input_ids.shape_str());
  PONET_CHECK(L <= c.max_seq_len, who, ": sequence length ", L, " exceeds max_seq_len ", c.max_seq_len);
  Tensor ids = in.input_ids.to(Device::cpu());
  check_ids_in_range(ids, 0, c.vocab_size, who, "input_ids", "vocab_size");
  std::vector<int64_t> valid = ids.to_vector_i64();  // the official mask: id != 0
  for (int64_t b = 0; b < B; ++b) {
    int64_t real = 0;
    for (int64_t l = 0; l < L; ++l) {
      valid[b * L + l] = valid[b * L + l] != 0;
      real += valid[b * L + l];
    }
    PONET_CHECK(real > 0, who, ": row ", b, " of input_ids is all padding (id 0)");
  }
  Tensor labels;
  if (in.labels.defined()) {
    check_dtype(in.labels, DType::I64, who, "labels");
    check_shape(in.labels, {B}, who, "labels");
    check_ids_in_range(in.labels, 0, c.num_classes, who, "labels", "num_classes");
  }

  const Device dev = device();
  Tensor valid_host = Tensor::from_vector_i64(valid, {B, L});
  bool need_segments = false;
  for (auto& block : blocks_) need_segments = need_segments || block->mixer->needs_segments();
  Tensor segments = need_segments ? fixed_chunk_segment_index(B, L, c.segment_num) : Tensor();
  BatchContext ctx = make_batch_context(valid_host, segments, Tensor(), dev);
  ctx.fused = options.fused_mixer;
  ctx.dropout_rows = options.dropout_rows;
  ctx.precision = options.precision;

  LraOutputs out;
  Tensor x = add(word_embeddings_->forward(ids.to(dev)), position_embeddings_->forward(Tensor::arange_i64(L, dev)));
  x = embedding_dropout_->forward(x, ctx.dropout_rows);
  out.hidden_states.push_back(x);
  for (auto& block : blocks_) {
    x = block->forward(x, ctx);
    out.hidden_states.push_back(x);
  }
  out.token_out = mul(final_norm_->forward(x), ctx.valid_rows);
  out.pooled = mean(out.token_out, {1});
  out.logits = head_fc2_->forward(relu(head_fc1_->forward(out.pooled, ctx.precision)), ctx.precision);
  // host targets: cross_entropy checks them there and uploads them without a device sync
  if (in.labels.defined()) out.loss = cross_entropy(out.logits, in.labels.to(Device::cpu()));
  return out;
}

ClassifierResult LraForSequenceClassification::classify(const Tensor& input_ids, const Tensor& attention_mask,
                                                        const Tensor& segment_ids, const Tensor& labels,
                                                        const ForwardOptions& options) {
  PONET_CHECK(!segment_ids.defined(), "LRA model: segments are fixed chunks (segment_num); segment ids cannot be given");
  if (attention_mask.defined()) {
    const std::vector<int64_t> ids = input_ids.to_vector_i64(), mask = attention_mask.to_vector_i64();
    PONET_CHECK(ids.size() == mask.size(), "LRA model: attention_mask ", attention_mask.shape_str(),
                " does not match input_ids ", input_ids.shape_str());
    for (size_t i = 0; i < ids.size(); ++i)
      PONET_CHECK((ids[i] != 0) == (mask[i] != 0), "LRA model: the mask is input_ids != 0, but position ", i,
                  " has id ", ids[i], " and mask ", mask[i], " (pad with id 0, and never use id 0 for a real token)");
  }
  LraOutputs out = forward({input_ids, labels}, options);
  return {out.logits, out.loss};
}

}  // namespace ponet::nn
