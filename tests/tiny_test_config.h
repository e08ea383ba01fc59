// The smallest PoNet the model-level tests train or run: one layer, width 16, 32 positions, with the
// vocabulary size and special-token ids of the test's tokenizer.
#pragma once
#include <string>

#include "nn/ponet_config.h"
#include "text/tokenizer.h"

namespace ponet::testing {

inline nn::PoNetConfig tiny_test_config(const text::WordPieceTokenizer& tok) {
  nn::PoNetConfig c;
  c.vocab_size = tok.vocab_size();
  c.hidden_size = 16;
  c.num_hidden_layers = 1;
  c.num_attention_heads = 2;
  c.intermediate_size = 32;
  c.max_position_embeddings = 32;
  c.pad_token_id = tok.pad_id();
  c.cls_token_id = tok.cls_id();
  c.sep_token_id = tok.sep_id();
  c.mask_token_id = tok.mask_id();
  return c;
}

// A small PoNet without a tokenizer: the special tokens where a trained vocabulary puts them ([PAD] 0,
// [CLS] 2, [SEP] 3, [MASK] 4), 2 heads, an FFN twice the width, the same dropout everywhere.
inline nn::PoNetConfig small_test_config(int64_t vocab, int64_t hidden, int64_t layers, int64_t positions,
                                         float dropout, const std::string& mixer = "ponet") {
  nn::PoNetConfig c;
  c.vocab_size = vocab;
  c.hidden_size = hidden;
  c.num_hidden_layers = layers;
  c.num_attention_heads = 2;
  c.intermediate_size = 2 * hidden;
  c.max_position_embeddings = positions;
  c.hidden_dropout_prob = c.attention_probs_dropout_prob = dropout;
  c.mixer = mixer;
  c.pad_token_id = 0;
  c.cls_token_id = 2;
  c.sep_token_id = 3;
  c.mask_token_id = 4;
  c.validate();
  return c;
}

}  // namespace ponet::testing
