#include "nn/ponet_for_causal_lm.h"

#include "core/error.h"
#include "nn/incremental_mixer.h"

namespace ponet::nn {

namespace {
constexpr int64_t kIgnoreIndex = -100;

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}
}  // namespace

PoNetForCausalLM::PoNetForCausalLM(const PoNetConfig& c, uint64_t seed) : Model(seed), config_(c) {
  config_.validate();
  PONET_CHECK(is_causal_mixer(c.mixer), "PoNetForCausalLM: mixer \"", c.mixer,
              "\" is not causal (a position would see the tokens after it); causal mixers: ", joined(causal_mixer_names()));
  Init init{&init_rng_, c.initializer_range};
  ponet_ = register_module("ponet", std::make_shared<PoNetModel>(c, init, &dropout_rng_));
  auto cls = std::make_shared<Container>();
  auto predictions = std::make_shared<Container>();
  lm_bias_ = predictions->register_parameter("bias", Tensor::zeros({c.vocab_size}));
  auto transform = std::make_shared<Container>();
  transform_dense_ = transform->register_module("dense", std::make_shared<Linear>(c.hidden_size, c.hidden_size, init));
  transform_norm_ = transform->register_module("LayerNorm", std::make_shared<LayerNorm>(c.hidden_size, c.layer_norm_eps));
  predictions->register_module("transform", transform);
  cls->register_module("predictions", predictions);
  register_module("cls", cls);
}

Tensor PoNetForCausalLM::lm_logits(const Tensor& hidden, Precision precision) const {
  Tensor t = transform_norm_->forward(gelu(transform_dense_->forward(hidden, precision)));
  return linear(t, ponet_->embeddings->word_embeddings->weight, lm_bias_, precision);  // decoder tied to the embeddings
}

CausalLMOutputs PoNetForCausalLM::forward(const PoNetInputs& in, const ForwardOptions& options) {
  const char* who = "PoNetForCausalLM";
  PONET_CHECK(in.input_ids.defined(), who, ": input_ids are required");
  check_dim(in.input_ids, 2, who, "input_ids");
  PONET_CHECK(!in.token_type_ids.defined() && !in.segment_ids.defined(), who,
              ": token_type_ids and segment_ids are not inputs of a causal LM");
  const int64_t B = in.input_ids.size(0), L = in.input_ids.size(1);
  if (in.attention_mask.defined()) {  // right padding: causality then keeps padding out of real positions
    check_shape(in.attention_mask, {B, L}, who, "attention_mask");
    const std::vector<int64_t> m = in.attention_mask.to(Device::cpu()).to_vector_i64();
    for (int64_t b = 0; b < B; ++b)
      for (int64_t l = 1; l < L; ++l)
        PONET_CHECK(!(m[b * L + l] != 0 && m[b * L + l - 1] == 0), who, ": attention_mask row ", b,
                    " is not right-padded (a real token at position ", l, " follows padding)");
  }
  Tensor labels;
  if (in.labels.defined()) {
    check_dtype(in.labels, DType::I64, who, "labels");
    check_shape(in.labels, {B, L}, who, "labels");
    labels = in.labels.to(Device::cpu()).reshape({B * L});
    for (int64_t v : labels.to_vector_i64())
      PONET_CHECK(v == kIgnoreIndex || (v >= 0 && v < config_.vocab_size), who, ": labels contain ", v,
                  ", expected -100 or an id in [0, ", config_.vocab_size, ")");
  }
  PoNetInputs body_in;
  body_in.input_ids = in.input_ids;
  body_in.attention_mask = in.attention_mask;
  const PoNetModelOutputs body = ponet_->forward(body_in, options);
  CausalLMOutputs out;
  out.logits = lm_logits(body.last_hidden_state, options.precision);  // [B, L, V]
  if (labels.defined()) out.loss = cross_entropy(out.logits.reshape({B * L, config_.vocab_size}), labels, kIgnoreIndex);
  return out;
}

}  // namespace ponet::nn
