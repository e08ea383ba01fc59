#include "nn/ponet.h"

#include "core/error.h"
#include "nn/segment_index.h"

namespace ponet::nn {

namespace {

constexpr int64_t kIgnoreIndex = -100;

// Host-side checks of an int64 [B, L] input: values in [lo, hi).
void check_range(const Tensor& t, int64_t lo, int64_t hi, const char* name, const char* bound) {
  for (int64_t v : t.to_vector_i64())
    PONET_CHECK(v >= lo && v < hi, "PoNet: ", name, " contains ", v, ", expected values in [", lo, ", ", hi,
                ") (", bound, ")");
}

Tensor ones_i64(const Shape& s) { return Tensor::from_vector_i64(std::vector<int64_t>(shape_numel(s), 1), s); }

}  // namespace

PoNetEmbeddings::PoNetEmbeddings(const PoNetConfig& c, const Init& init, Rng* dropout_rng) {
  word_embeddings = register_module("word_embeddings",
                                    std::make_shared<Embedding>(c.vocab_size, c.hidden_size, init, c.pad_token_id));
  position_embeddings = register_module(
      "position_embeddings", std::make_shared<Embedding>(c.max_position_embeddings, c.hidden_size, init));
  token_type_embeddings = register_module(
      "token_type_embeddings", std::make_shared<Embedding>(c.type_vocab_size, c.hidden_size, init));
  norm = register_module("LayerNorm", std::make_shared<LayerNorm>(c.hidden_size, c.layer_norm_eps));
  dropout = register_module("dropout", std::make_shared<Dropout>(c.hidden_dropout_prob, dropout_rng));
}

Tensor PoNetEmbeddings::forward(const Tensor& ids, const Tensor& token_type_ids) const {
  const int64_t L = ids.size(1);
  Tensor positions = Tensor::arange_i64(L, ids.device());
  // (word + type) + position, BERT's summation order; positions [L, D] broadcast over the batch
  Tensor x = add(add(word_embeddings->forward(ids), token_type_embeddings->forward(token_type_ids)),
                 position_embeddings->forward(positions));
  return dropout->forward(norm->forward(x));
}

ResidualLayerNorm::ResidualLayerNorm(int64_t in, int64_t out, const PoNetConfig& c, const Init& init,
                                     Rng* dropout_rng) {
  dense = register_module("dense", std::make_shared<Linear>(in, out, init));
  norm = register_module("LayerNorm", std::make_shared<LayerNorm>(out, c.layer_norm_eps));
  dropout = register_module("dropout", std::make_shared<Dropout>(c.hidden_dropout_prob, dropout_rng));
}

Tensor ResidualLayerNorm::forward(const Tensor& x, const Tensor& residual) const {
  return norm->forward(add(dropout->forward(dense->forward(x)), residual));
}

PoNetLayer::PoNetLayer(const PoNetConfig& c, const Init& init, Rng* dropout_rng) {
  auto att = std::make_shared<Container>();
  mixer = att->register_module("self", std::make_shared<PoNetMixer>(c, init));
  attention_output = att->register_module(
      "output", std::make_shared<ResidualLayerNorm>(c.hidden_size, c.hidden_size, c, init, dropout_rng));
  attention = register_module("attention", att);
  auto inter = std::make_shared<Container>();
  intermediate_dense = inter->register_module("dense", std::make_shared<Linear>(c.hidden_size, c.intermediate_size, init));
  intermediate = register_module("intermediate", inter);
  output = register_module(
      "output", std::make_shared<ResidualLayerNorm>(c.intermediate_size, c.hidden_size, c, init, dropout_rng));
}

Tensor PoNetLayer::forward(const Tensor& x, const MixerContext& ctx) const {
  Tensor a = attention_output->forward(mixer->forward(x, ctx), x);
  return output->forward(gelu(intermediate_dense->forward(a)), a);
}

PoNetForPreTraining::PoNetForPreTraining(const PoNetConfig& c, uint64_t seed)
    : config_(c), init_rng_(seed), dropout_rng_(seed ^ 0x5eed5eed5eedULL) {
  config_.validate();
  Init init{&init_rng_, c.initializer_range};
  auto ponet = std::make_shared<Container>();
  embeddings_ = ponet->register_module("embeddings", std::make_shared<PoNetEmbeddings>(c, init, &dropout_rng_));
  auto encoder = std::make_shared<Container>();
  auto layer_list = std::make_shared<Container>();
  for (int64_t i = 0; i < c.num_hidden_layers; ++i)
    layers_.push_back(layer_list->register_module(std::to_string(i), std::make_shared<PoNetLayer>(c, init, &dropout_rng_)));
  encoder->register_module("layer", layer_list);
  ponet->register_module("encoder", encoder);
  auto pooler = std::make_shared<Container>();
  pooler_dense_ = pooler->register_module("dense", std::make_shared<Linear>(c.hidden_size, c.hidden_size, init));
  ponet->register_module("pooler", pooler);
  ponet_ = register_module("ponet", ponet);

  auto cls = std::make_shared<Container>();
  auto predictions = std::make_shared<Container>();
  mlm_bias_ = predictions->register_parameter("bias", Tensor::zeros({c.vocab_size}));
  auto transform = std::make_shared<Container>();
  transform_dense_ = transform->register_module("dense", std::make_shared<Linear>(c.hidden_size, c.hidden_size, init));
  transform_norm_ = transform->register_module("LayerNorm", std::make_shared<LayerNorm>(c.hidden_size, c.layer_norm_eps));
  predictions->register_module("transform", transform);
  cls->register_module("predictions", predictions);
  seq_relationship_ = cls->register_module("seq_relationship",
                                           std::make_shared<Linear>(c.hidden_size, c.num_sso_labels, init));
  cls_ = register_module("cls", cls);
}

PoNetInputs PoNetForPreTraining::prepare(const PoNetInputs& in, MixerContext& ctx, Tensor& segment_index) const {
  const PoNetConfig& c = config_;
  PONET_CHECK(in.input_ids.defined(), "PoNet: input_ids are required");
  check_dtype(in.input_ids, DType::I64, "PoNet", "input_ids");
  check_dim(in.input_ids, 2, "PoNet", "input_ids");
  const int64_t B = in.input_ids.size(0), L = in.input_ids.size(1);
  PONET_CHECK(B > 0 && L > 0, "PoNet: empty batch ", in.input_ids.shape_str());
  PONET_CHECK(L <= c.max_position_embeddings, "PoNet: sequence length ", L, " exceeds max_position_embeddings ",
              c.max_position_embeddings);
  auto host_i64 = [&](const Tensor& t, const char* name, const Shape& shape) {
    check_dtype(t, DType::I64, "PoNet", name);
    check_shape(t, shape, "PoNet", name);
    return t.to(Device::cpu());
  };
  PoNetInputs h;
  h.input_ids = host_i64(in.input_ids, "input_ids", {B, L});
  check_range(h.input_ids, 0, c.vocab_size, "input_ids", "vocab_size");
  h.attention_mask = in.attention_mask.defined() ? host_i64(in.attention_mask, "attention_mask", {B, L}) : ones_i64({B, L});
  check_range(h.attention_mask, 0, 2, "attention_mask", "0 or 1");
  std::vector<int64_t> mask = h.attention_mask.to_vector_i64();
  for (int64_t b = 0; b < B; ++b) {
    int64_t n = 0;
    for (int64_t l = 0; l < L; ++l) n += mask[b * L + l];
    PONET_CHECK(n > 0, "PoNet: row ", b, " of attention_mask has no real token");
  }
  h.token_type_ids = in.token_type_ids.defined() ? host_i64(in.token_type_ids, "token_type_ids", {B, L})
                                                 : Tensor::zeros({B, L}, DType::I64);
  check_range(h.token_type_ids, 0, c.type_vocab_size, "token_type_ids", "type_vocab_size");
  if (in.segment_ids.defined()) {
    segment_index = host_i64(in.segment_ids, "segment_ids", {B, L});
    check_range(segment_index, 0, INT64_MAX, "segment_ids", "non-negative");
  } else if (c.segment_num > 0) {
    segment_index = fixed_chunk_segment_index(B, L, c.segment_num);
  } else {
    segment_index = derive_segment_index(h.input_ids, c.cls_token_id, c.sep_token_id);
  }
  if (in.labels.defined()) {
    h.labels = host_i64(in.labels, "labels", {B, L});
    for (int64_t v : h.labels.to_vector_i64())
      PONET_CHECK(v == kIgnoreIndex || (v >= 0 && v < c.vocab_size), "PoNet: labels contain ", v,
                  ", expected -100 or an id in [0, ", c.vocab_size, ")");
  }
  if (in.next_sentence_label.defined()) {
    h.next_sentence_label = host_i64(in.next_sentence_label, "next_sentence_label", {B});
    check_range(h.next_sentence_label, 0, c.num_sso_labels, "next_sentence_label", "num_sso_labels");
  }

  const Device dev = device();
  ctx.valid = h.attention_mask.to(dev);
  ctx.segment_ids = segment_index.to(dev);
  if (c.clsgsepg) ctx.special = special_token_mask(h.input_ids, c.cls_token_id, c.sep_token_id).to(dev);
  PoNetInputs d;
  d.input_ids = h.input_ids.to(dev);
  d.token_type_ids = h.token_type_ids.to(dev);
  d.attention_mask = ctx.valid;
  d.labels = h.labels;  // kept on the host: used to select scored rows
  d.next_sentence_label = h.next_sentence_label.defined() ? h.next_sentence_label.to(dev) : Tensor();
  return d;
}

PoNetOutputs PoNetForPreTraining::forward(const PoNetInputs& inputs, const ForwardOptions& options) {
  MixerContext ctx;
  PoNetOutputs out;
  PoNetInputs in = prepare(inputs, ctx, out.segment_index);
  ctx.fused = options.fused_mixer && options.traces == nullptr;
  const int64_t B = in.input_ids.size(0), L = in.input_ids.size(1), D = config_.hidden_size;
  const int64_t V = config_.vocab_size;

  Tensor h = embeddings_->forward(in.input_ids, in.token_type_ids);
  out.hidden_states.push_back(h);
  if (options.traces) options.traces->assign(layers_.size(), MixerTrace{});
  for (size_t i = 0; i < layers_.size(); ++i) {
    ctx.trace = options.traces ? &(*options.traces)[i] : nullptr;
    h = layers_[i]->forward(h, ctx);
    out.hidden_states.push_back(h);
  }
  out.last_hidden_state = h;
  out.pooler_output = tanh(pooler_dense_->forward(h.slice(1, 0, 1).reshape({B, D})));

  // MLM head. In training only the scored positions need logits: gather those rows first (the
  // embedding op is exactly a differentiable row gather), which skips most of the [B*L, V] product.
  Tensor rows = h.reshape({B * L, D});
  Tensor targets;
  if (in.labels.defined()) targets = in.labels.reshape({B * L});
  if (options.logits_for_labels_only && targets.defined()) {
    std::vector<int64_t> picked, picked_labels;
    std::vector<int64_t> all = targets.to_vector_i64();
    for (int64_t i = 0; i < B * L; ++i)
      if (all[i] != kIgnoreIndex) {
        picked.push_back(i);
        picked_labels.push_back(all[i]);
      }
    const int64_t M = static_cast<int64_t>(picked.size());
    rows = embedding(rows, Tensor::from_vector_i64(picked, {M}, device()));
    targets = Tensor::from_vector_i64(picked_labels, {M});
  }
  Tensor t = transform_norm_->forward(gelu(transform_dense_->forward(rows)));
  Tensor logits = linear(t, word_embeddings()->weight, mlm_bias_);  // decoder tied to the embeddings
  out.prediction_logits = options.logits_for_labels_only && in.labels.defined() ? logits : logits.reshape({B, L, V});
  out.seq_relationship_logits = seq_relationship_->forward(out.pooler_output);

  if (in.labels.defined() && in.next_sentence_label.defined()) {
    out.mlm_loss = cross_entropy(logits, targets.to(device()), kIgnoreIndex);
    out.sso_loss = cross_entropy(out.seq_relationship_logits, in.next_sentence_label);
    out.loss = add(out.mlm_loss, out.sso_loss);
  }
  return out;
}

}  // namespace ponet::nn
