#include "nn/ponet_for_pretraining.h"

#include "core/error.h"

namespace ponet::nn {

namespace {
constexpr int64_t kIgnoreIndex = -100;
}

PoNetForPreTraining::PoNetForPreTraining(const PoNetConfig& c, uint64_t seed) : Model(seed), config_(c) {
  config_.validate();
  Init init{&init_rng_, c.initializer_range};
  ponet_ = register_module("ponet", std::make_shared<PoNetModel>(c, init, &dropout_rng_));
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
  register_module("cls", cls);
}

PoNetOutputs PoNetForPreTraining::forward(const PoNetInputs& in, const ForwardOptions& options) {
  const PoNetConfig& c = config_;
  // the head's inputs are checked before the backbone runs
  PONET_CHECK(in.input_ids.defined(), "PoNet: input_ids are required");
  Tensor labels, sso_labels;
  if (in.labels.defined()) {
    check_dtype(in.labels, DType::I64, "PoNet", "labels");
    check_shape(in.labels, in.input_ids.shape(), "PoNet", "labels");
    labels = in.labels.to(Device::cpu());  // kept on the host: used to select scored rows
    for (int64_t v : labels.to_vector_i64())
      PONET_CHECK(v == kIgnoreIndex || (v >= 0 && v < c.vocab_size), "PoNet: labels contain ", v,
                  ", expected -100 or an id in [0, ", c.vocab_size, ")");
  }
  if (in.next_sentence_label.defined()) {
    check_dtype(in.next_sentence_label, DType::I64, "PoNet", "next_sentence_label");
    check_shape(in.next_sentence_label, {in.input_ids.size(0)}, "PoNet", "next_sentence_label");
    check_ids_in_range(in.next_sentence_label, 0, c.num_sso_labels, "PoNet", "next_sentence_label", "num_sso_labels");
    sso_labels = in.next_sentence_label.to(Device::cpu());  // host targets: cross_entropy uploads them, no sync
  }
  PoNetModelOutputs body = ponet_->forward(in, options);
  PoNetOutputs out;
  out.last_hidden_state = body.last_hidden_state;
  out.pooler_output = body.pooler_output;
  out.hidden_states = body.hidden_states;
  out.segment_index = body.segment_index;
  const Tensor& h = body.last_hidden_state;
  const int64_t B = h.size(0), L = h.size(1), D = c.hidden_size, V = c.vocab_size;

  // MLM head. In training only the scored positions need logits: gather those rows first (the
  // embedding op is exactly a differentiable row gather), which skips most of the [B*L, V] product.
  Tensor rows = h.reshape({B * L, D});
  Tensor targets;
  if (labels.defined()) targets = labels.reshape({B * L});
  const bool gathered = options.logits_for_labels_only && targets.defined();
  if (gathered) {
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
  Tensor t = transform_norm_->forward(gelu(transform_dense_->forward(rows, options.precision)));
  Tensor logits = linear(t, word_embeddings()->weight, mlm_bias_, options.precision);  // decoder tied to the embeddings
  out.prediction_logits = gathered ? logits : logits.reshape({B, L, V});
  out.seq_relationship_logits = seq_relationship_->forward(out.pooler_output, options.precision);

  if (labels.defined() && sso_labels.defined()) {
    out.mlm_loss = cross_entropy(logits, targets, kIgnoreIndex);  // host targets, like sso_labels
    out.sso_loss = cross_entropy(out.seq_relationship_logits, sso_labels);
  }
  return out;
}

}  // namespace ponet::nn
