// The smallest PoNet the model-level tests train or run: one layer, width 16, 32 positions, with the
// vocabulary size and special-token ids of the test's tokenizer.
#pragma once
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

}  // namespace ponet::testing
