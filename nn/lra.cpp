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

LraEncoder::LraEncoder(const LraConfig& c, const Init& init, Rng* dropout_rng) : config_(c) {
  const int64_t D = c.transformer_dim;
  auto emb = std::make_shared<Container>();
  word_embeddings = emb->register_module("word_embeddings", std::make_shared<Embedding>(c.vocab_size, D, init));
  position_embeddings = emb->register_module("position_embeddings", std::make_shared<Embedding>(c.max_seq_len, D, init));
  embedding_dropout = emb->register_module("dropout", std::make_shared<Dropout>(c.dropout_prob, dropout_rng));
  register_module("embeddings", emb);
  for (int64_t i = 0; i < c.num_layers; ++i)
    blocks.push_back(register_module("transformer_" + std::to_string(i), std::make_shared<PreLNBlock>(c, init, dropout_rng)));
  final_norm = register_module("norm", std::make_shared<LayerNorm>(D, c.layer_norm_eps));
}

Tensor LraEncoder::check_input_ids(const Tensor& input_ids) const {
  const char* who = "LRA model";
  PONET_CHECK(input_ids.defined(), who, ": input_ids are required");
  check_dtype(input_ids, DType::I64, who, "input_ids");
  check_dim(input_ids, 2, who, "input_ids");
  const int64_t B = input_ids.size(0), L = input_ids.size(1);
  PONET_CHECK(B > 0 && L > 0, who, ": empty batch ", input_ids.shape_str());
  PONET_CHECK(L <= config_.max_seq_len, who, ": sequence length ", L, " exceeds max_seq_len ", config_.max_seq_len);
  Tensor ids = input_ids.to(Device::cpu());
  check_ids_in_range(ids, 0, config_.vocab_size, who, "input_ids", "vocab_size");
  std::vector<int64_t> valid = ids.to_vector_i64();  // the official mask: id != 0
  for (int64_t b = 0; b < B; ++b) {
    int64_t real = 0;
    for (int64_t l = 0; l < L; ++l) {
      valid[b * L + l] = valid[b * L + l] != 0;
      real += valid[b * L + l];
    }
    PONET_CHECK(real > 0, who, ": row ", b, " of input_ids is all padding (id 0)");
  }
  return Tensor::from_vector_i64(valid, {B, L});
}

LraEncoderOutputs LraEncoder::forward(const Tensor& input_ids, const Tensor& mask, const ForwardOptions& options) const {
  const int64_t B = mask.size(0), L = mask.size(1);
  const Device dev = parameters().front().device();
  bool need_segments = false;
  for (auto& block : blocks) need_segments = need_segments || block->mixer->needs_segments();
  Tensor segments = need_segments ? fixed_chunk_segment_index(B, L, config_.segment_num) : Tensor();
  BatchContext ctx = make_batch_context(mask, segments, Tensor(), dev);
  ctx.fused = options.fused_mixer;
  ctx.dropout_rows = options.dropout_rows;
  ctx.precision = options.precision;

  LraEncoderOutputs out;
  Tensor x = add(word_embeddings->forward(input_ids.to(dev)), position_embeddings->forward(Tensor::arange_i64(L, dev)));
  x = embedding_dropout->forward(x, ctx.dropout_rows);
  out.hidden_states.push_back(x);
  for (auto& block : blocks) {
    x = block->forward(x, ctx);
    out.hidden_states.push_back(x);
  }
  out.token_out = mul(final_norm->forward(x), ctx.valid_rows);
  return out;
}

LraForSequenceClassification::LraForSequenceClassification(const LraConfig& c, uint64_t seed)
    : SequenceClassifier(seed), config_(c) {
  config_.validate();
  Init init{&init_rng_, c.initializer_range, Init::Scheme::torch};
  const int64_t D = c.transformer_dim;
  encoder_ = register_module("model", std::make_shared<LraEncoder>(c, init, &dropout_rng_));
  auto head = std::make_shared<Container>();
  auto mlp = std::make_shared<Container>();
  head_fc1_ = mlp->register_module("0", std::make_shared<Linear>(D, c.transformer_hidden_dim, init));
  head_fc2_ = mlp->register_module("2", std::make_shared<Linear>(c.transformer_hidden_dim, c.num_classes, init));
  head->register_module("mlpblock", mlp);
  register_module("seq_classifer", head);  // sic: the official name
}

LraOutputs LraForSequenceClassification::forward(const LraInputs& in, const ForwardOptions& options) {
  const char* who = "LRA model";
  const Tensor mask = encoder_->check_input_ids(in.input_ids);  // first, as its errors always came first
  if (in.labels.defined()) {
    check_dtype(in.labels, DType::I64, who, "labels");
    check_shape(in.labels, {mask.size(0)}, who, "labels");
    check_ids_in_range(in.labels, 0, config_.num_classes, who, "labels", "num_classes");
  }
  LraEncoderOutputs body = encoder_->forward(in.input_ids, mask, options);
  LraOutputs out;
  out.token_out = body.token_out;
  out.hidden_states = std::move(body.hidden_states);
  out.pooled = mean(out.token_out, {1});
  out.logits = head_fc2_->forward(relu(head_fc1_->forward(out.pooled, options.precision)), options.precision);
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
