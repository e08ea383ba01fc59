#include "nn/causal_decoder.h"

#include "autograd/grad_mode.h"
#include "core/error.h"

namespace ponet::nn {

CausalDecoder::CausalDecoder(const PoNetForCausalLM& model) : model_(model) {
  PONET_CHECK(!model.training(), "CausalDecoder: the model must be in eval mode (dropout off)");
  for (const auto& layer : model.backbone().layers) states_.push_back(as_incremental(*layer->mixer)->start_decoding());
}

int64_t CausalDecoder::state_bytes() const {
  int64_t total = 0;
  for (const auto& s : states_) total += s->bytes();
  return total;
}

std::vector<float> CausalDecoder::feed(int64_t token) {
  const PoNetConfig& c = model_.config();
  PONET_CHECK(position_ < c.max_position_embeddings, "CausalDecoder: position ", position_,
              " is past max_position_embeddings ", c.max_position_embeddings);
  PONET_CHECK(token >= 0 && token < c.vocab_size, "CausalDecoder: token id ", token, " is outside the vocabulary [0, ",
              c.vocab_size, ")");
  NoGrad no_grad;
  const PoNetModel& body = model_.backbone();
  const Device dev = model_.device();
  const PoNetEmbeddings& e = *body.embeddings;
  // the embeddings of one position, in PoNetEmbeddings::forward's order: (word + type) + position
  Tensor x = add(add(e.word_embeddings->forward(Tensor::from_vector_i64({token}, {1, 1}, dev)),
                     e.token_type_embeddings->forward(Tensor::from_vector_i64({0}, {1, 1}, dev))),
                 e.position_embeddings->forward(Tensor::from_vector_i64({position_}, {1}, dev)));
  x = e.norm->forward(x);
  const BatchContext ctx;  // eval mode: the blocks' dropouts draw nothing
  // generation runs in fp32 (docs/generation.md): the context's precision; nothing is recomputed
  for (size_t i = 0; i < body.layers.size(); ++i) {
    const BertBlock& layer = *body.layers[i];
    const IncrementalMixer* mixer = as_incremental(*layer.mixer);
    DecodeState& state = *states_[i];
    x = layer.forward_with(x, [mixer, &state](const Tensor& in) { return mixer->decode_step(in, state); }, ctx);
  }
  if (body.final_layer_norm) x = body.final_layer_norm->forward(x);  // pre-LN
  ++position_;
  return model_.lm_logits(x).to_vector();
}

}  // namespace ponet::nn
