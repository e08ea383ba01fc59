#include "nn/ponet_model.h"

#include "core/error.h"
#include "nn/segment_index.h"

namespace ponet::nn {

void check_ids_in_range(const Tensor& t, int64_t lo, int64_t hi, const char* model, const char* name,
                        const char* bound) {
  for (int64_t v : t.to_vector_i64())
    PONET_CHECK(v >= lo && v < hi, model, ": ", name, " contains ", v, ", expected values in [", lo, ", ", hi, ") (",
                bound, ")");
}

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

Tensor PoNetEmbeddings::forward(const Tensor& ids, const Tensor& token_type_ids, const BatchContext& ctx) const {
  const int64_t L = ids.size(1);
  Tensor positions = Tensor::arange_i64(L, ids.device());
  // (word + type) + position, BERT's summation order; positions [L, D] broadcast over the batch
  Tensor x = add(add(word_embeddings->forward(ids), token_type_embeddings->forward(token_type_ids)),
                 position_embeddings->forward(positions));
  return dropout->forward(norm->forward(x), ctx.dropout_rows);
}

ResidualLayerNorm::ResidualLayerNorm(int64_t in, int64_t out, const PoNetConfig& c, const Init& init,
                                     Rng* dropout_rng) {
  dense = register_module("dense", std::make_shared<Linear>(in, out, init));
  norm = register_module("LayerNorm", std::make_shared<LayerNorm>(out, c.layer_norm_eps));
  dropout = register_module("dropout", std::make_shared<Dropout>(c.hidden_dropout_prob, dropout_rng));
}

Tensor ResidualLayerNorm::add_and_norm(const Tensor& projected, const Tensor& residual, const BatchContext& ctx) const {
  // One fused kernel for the dropout, the residual add and the LayerNorm (same values and draws as
  // norm(dropout(projected) + residual)).
  const bool drop = training() && dropout->p() > 0.f;
  Rng unused(0);  // the op draws nothing when it does not drop
  return dropout_add_layer_norm(projected, residual, norm->weight, norm->bias, drop ? dropout->p() : 0.f, drop,
                                drop ? *dropout->rng() : unused, norm->eps, ctx.dropout_rows);
}

Tensor ResidualLayerNorm::add_residual(const Tensor& projected, const Tensor& residual, const BatchContext& ctx) const {
  return add(dropout->forward(projected, ctx.dropout_rows), residual);
}

BertBlock::BertBlock(const PoNetConfig& c, const Init& init, Rng* dropout_rng)
    : position_(c.layer_norm_position), dropout_rng_(dropout_rng) {
  MixerOptions m;
  m.dim = c.hidden_size;
  m.num_heads = c.num_attention_heads;
  m.head_dim = c.head_size();
  m.attention_dropout = c.attention_probs_dropout_prob;
  m.names = ParamNames::hf;
  m.init = init;
  m.dropout_rng = dropout_rng;
  m.ponet_branches = c.ponet_branches;
  m.causal_segment_length = c.causal_segment_length;
  auto att = std::make_shared<Container>();
  mixer = att->register_module("self", make_token_mixer(c.mixer, m));
  attention_output = att->register_module(
      "output", std::make_shared<ResidualLayerNorm>(mixer->output_dim(), c.hidden_size, c, init, dropout_rng));
  register_module("attention", att);
  auto inter = std::make_shared<Container>();
  intermediate_dense = inter->register_module("dense", std::make_shared<Linear>(c.hidden_size, c.intermediate_size, init));
  register_module("intermediate", inter);
  output = register_module(
      "output", std::make_shared<ResidualLayerNorm>(c.intermediate_size, c.hidden_size, c, init, dropout_rng));
}

Tensor BertBlock::forward(const Tensor& x, const BatchContext& ctx) const {
  return forward_with(x, [this, ctx](const Tensor& in) { return mixer->forward(in, ctx); }, ctx);
}

// The residual steps stay outside every recomputed part: they are cheap to keep. Post-LN each is one
// fused dropout + add + LayerNorm op; pre-LN the LayerNorms belong to the sublayers (and are recomputed
// with them).
Tensor BertBlock::forward_with(const Tensor& x, const MixerFn& mixer_fn, const BatchContext& ctx) const {
  Tensor mixed = mix(x, mixer_fn, ctx);
  if (pre_ln()) {
    Tensor a = attention_output->add_residual(mixed, x, ctx);  // x + dropout(mixed)
    return output->add_residual(feed_forward(a, ctx), a, ctx);  // a + dropout(W_2 gelu(W_1 LN2(a)))
  }
  Tensor a = attention_output->add_and_norm(mixed, x, ctx);  // LN(dropout(mixed) + x)
  Tensor f = feed_forward(a, ctx);                           // W_2 gelu(W_1 a)
  return output->add_and_norm(f, a, ctx);                    // LN(dropout(f) + a)
}

Tensor BertBlock::mix(const Tensor& x, const MixerFn& mixer_fn, const BatchContext& ctx) const {
  const bool pre = pre_ln();
  const Precision precision = ctx.precision;
  auto sublayer = [this, mixer_fn, pre, precision](const Tensor& in) {
    const Tensor mixer_input = pre ? attention_output->norm->forward(in) : in;
    return attention_output->dense->forward(mixer_fn(mixer_input), precision);
  };
  return recomputed(recomputed_parts(ctx.recompute).mixer, "recompute_mixer", sublayer, x, dropout_rng_);
}

Tensor BertBlock::feed_forward(const Tensor& a, const BatchContext& ctx) const {
  const RecomputedParts parts = recomputed_parts(ctx.recompute);
  const Precision precision = ctx.precision;
  const bool pre = pre_ln();
  auto from_hidden = [this, precision](const Tensor& h) { return output->dense->forward(gelu(h), precision); };
  auto whole = [this, parts, from_hidden, precision, pre](const Tensor& in) {
    const Tensor ffn_input = pre ? output->norm->forward(in) : in;
    return recomputed(parts.gelu, "recompute_gelu", from_hidden, intermediate_dense->forward(ffn_input, precision));
  };
  return recomputed(parts.ffn, "recompute_ffn", whole, a);
}

PoNetModel::PoNetModel(const PoNetConfig& c, const Init& init, Rng* dropout_rng) : config_(c) {
  config_.validate();
  embeddings = register_module("embeddings", std::make_shared<PoNetEmbeddings>(c, init, dropout_rng));
  auto encoder = std::make_shared<Container>();
  auto layer_list = std::make_shared<Container>();
  for (int64_t i = 0; i < c.num_hidden_layers; ++i)
    layers.push_back(layer_list->register_module(std::to_string(i), std::make_shared<BertBlock>(c, init, dropout_rng)));
  encoder->register_module("layer", layer_list);
  if (c.layer_norm_position == LayerNormPosition::pre)
    final_layer_norm = encoder->register_module("LayerNorm", std::make_shared<LayerNorm>(c.hidden_size, c.layer_norm_eps));
  register_module("encoder", encoder);
  auto pooler = std::make_shared<Container>();
  pooler_dense = pooler->register_module("dense", std::make_shared<Linear>(c.hidden_size, c.hidden_size, init));
  register_module("pooler", pooler);
}

PoNetModelOutputs PoNetModel::forward(const PoNetInputs& in, const ForwardOptions& options) const {
  const PoNetConfig& c = config_;
  const char* who = "PoNet";
  PONET_CHECK(in.input_ids.defined(), "PoNet: input_ids are required");
  check_dtype(in.input_ids, DType::I64, who, "input_ids");
  check_dim(in.input_ids, 2, who, "input_ids");
  const int64_t B = in.input_ids.size(0), L = in.input_ids.size(1);
  PONET_CHECK(B > 0 && L > 0, "PoNet: empty batch ", in.input_ids.shape_str());
  PONET_CHECK(L <= c.max_position_embeddings, "PoNet: sequence length ", L, " exceeds max_position_embeddings ",
              c.max_position_embeddings);
  auto host_i64 = [&](const Tensor& t, const char* name) {
    check_dtype(t, DType::I64, who, name);
    check_shape(t, {B, L}, who, name);
    return t.to(Device::cpu());
  };
  Tensor ids = host_i64(in.input_ids, "input_ids");
  check_ids_in_range(ids, 0, c.vocab_size, who, "input_ids", "vocab_size");
  Tensor mask = in.attention_mask.defined()
                    ? host_i64(in.attention_mask, "attention_mask")
                    : Tensor::from_vector_i64(std::vector<int64_t>(B * L, 1), {B, L});
  check_ids_in_range(mask, 0, 2, who, "attention_mask", "0 or 1");
  const std::vector<int64_t> m = mask.to_vector_i64();
  for (int64_t b = 0; b < B; ++b) {
    int64_t n = 0;
    for (int64_t l = 0; l < L; ++l) n += m[b * L + l];
    PONET_CHECK(n > 0, "PoNet: row ", b, " of attention_mask has no real token");
  }
  Tensor types = in.token_type_ids.defined() ? host_i64(in.token_type_ids, "token_type_ids")
                                             : Tensor::zeros({B, L}, DType::I64);
  check_ids_in_range(types, 0, c.type_vocab_size, who, "token_type_ids", "type_vocab_size");

  PoNetModelOutputs out;
  bool need_segments = false;
  for (auto& layer : layers) need_segments = need_segments || layer->mixer->needs_segments();
  if (need_segments) {
    if (in.segment_ids.defined()) {
      out.segment_index = host_i64(in.segment_ids, "segment_ids");
      check_ids_in_range(out.segment_index, 0, INT64_MAX, who, "segment_ids", "non-negative");
    } else if (c.segment_num > 0) {
      out.segment_index = fixed_chunk_segment_index(B, L, c.segment_num);
    } else {
      out.segment_index = derive_segment_index(ids, c.cls_token_id, c.sep_token_id);
    }
  }
  const Tensor special = c.clsgsepg ? special_token_mask(ids, c.cls_token_id, c.sep_token_id) : Tensor();

  const Device dev = pooler_dense->weight.device();
  BatchContext ctx = make_batch_context(mask, out.segment_index, special, dev);
  ctx.fused = options.fused_mixer && options.traces == nullptr;
  // a trace records the forward's intermediates; a recomputation would run the mixer a second time
  ctx.recompute = options.traces ? Recompute::none : options.recompute;
  ctx.dropout_rows = options.dropout_rows;
  ctx.precision = options.precision;
  Tensor h = embeddings->forward(ids.to(dev), types.to(dev), ctx);
  out.hidden_states.push_back(h);
  if (options.traces) options.traces->assign(layers.size(), MixerTrace{});
  for (size_t i = 0; i < layers.size(); ++i) {
    ctx.trace = options.traces ? &(*options.traces)[i] : nullptr;
    h = layers[i]->forward(h, ctx);
    out.hidden_states.push_back(h);
  }
  if (final_layer_norm) {
    h = final_layer_norm->forward(h);
    out.hidden_states.back() = h;
  }
  out.last_hidden_state = h;
  out.pooler_output = tanh(pooler_dense->forward(h.slice(1, 0, 1).reshape({B, c.hidden_size}), ctx.precision));
  return out;
}

}  // namespace ponet::nn
