// LraConfig: the LRA family's hyper-parameters under the official LRA code's names (lxchtan/PoNet
// examples/LRA/code, lra_config.py "model" + "extra_attn_config"), so that an official config dict, or
// the `config` metadata of tests/data/lra_*.safetensors, loads as is. Our own JSON adds
// "family": "lra". The token mixer is `attn_type` (the official name): ponet, softmax or fnet.
#pragma once
#include <cstdint>
#include <string>

#include "kernels/ponet_branches.h"

namespace ponet::nn {

struct LraConfig {
  std::string attn_type = "ponet";
  int64_t vocab_size = 32;
  int64_t embedding_dim = 64;   // must equal transformer_dim (as in the official code)
  int64_t transformer_dim = 64;
  int64_t transformer_hidden_dim = 128;
  int64_t head_dim = 32;
  int64_t num_head = 2;
  int64_t num_layers = 2;
  int64_t max_seq_len = 2000;
  float dropout_prob = 0.1f;
  float attention_dropout = 0.1f;
  std::string pooling_mode = "MEAN";  // the only mode implemented (the LRA fixtures and configs use it)
  int64_t num_classes = 10;
  int64_t segment_num = 0;            // PoNet: fixed chunks of L // segment_num + 1 tokens (> 0 for ponet)
  float initializer_range = 0.02f;    // embeddings N(0, 0.02); linear layers keep PyTorch's default init
  float layer_norm_eps = 1e-5f;       // nn.LayerNorm's default
  // Accepted for compatibility with the official dict; only these values are supported:
  bool learn_pos_emb = true, tied_weights = false, mixed_precision = false;
  bool attention_grad_checkpointing = false;  // a memory/time trade in the official code; no effect here
  // Our addition, the paper's ablation (as PoNetConfig's): which of GA, SMP, LMP the PoNet mixer sums;
  // JSON "ponet_branches", written only when one is removed.
  PoNetBranches ponet_branches;

  // Throws ponet::Error naming the first bad field.
  void validate() const;
  std::string to_json() const;
  // Unknown keys are errors; missing keys keep their defaults. `where` names the source in messages.
  static LraConfig from_json(const std::string& text, const std::string& where = "config");
};

}  // namespace ponet::nn
