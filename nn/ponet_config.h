// PoNetConfig: the HF PoNet family's hyper-parameters, with the official (HF) field names so that a
// config.json of the official model, or the `config` metadata of the reference fixtures, loads as is.
// Its JSON may carry "family": "ponet" (the default family; see nn/model_factory.h).
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "kernels/ponet_branches.h"

namespace ponet::nn {

// Where each encoder block of the family puts its two LayerNorms (nn/ponet_model.h):
//   post  after each residual add, BERT's and the official PoNet's block (the default)
//   pre   on each sublayer's input, the residual stream left unnormalised, one more LayerNorm after the
//         last block (Xiong et al. 2020); no Hugging Face class computes this block
enum class LayerNormPosition { post, pre };
const char* layer_norm_position_name(LayerNormPosition position);

struct PoNetConfig {
  int64_t vocab_size = 30522;
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  std::string hidden_act = "gelu";  // exact erf GELU, the only one supported
  float hidden_dropout_prob = 0.1f;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 2;
  float initializer_range = 0.02f;
  float layer_norm_eps = 1e-12f;
  int64_t pad_token_id = 0;
  int64_t cls_token_id = 101;
  int64_t sep_token_id = 102;
  int64_t mask_token_id = 103;
  bool clsgsepg = true;      // special-token rule: CLS/SEP kept out of local/segment pooling
  int64_t segment_num = 0;   // > 0: LRA-style fixed chunks of L // segment_num + 1 tokens
  int64_t causal_segment_length = 32;  // the causal PoNet (ponet_causal): SMP segments of this many positions
  int64_t num_sso_labels = 3;
  std::string mixer = "ponet";               // token mixer of every layer (nn/token_mixers.cpp)
  float attention_probs_dropout_prob = 0.1f;  // used by mixers with attention probabilities (softmax)
  int64_t num_labels = 2;                     // PoNetForSequenceClassification: classes (1 = regression)
  // The paper's ablation: which of GA, SMP, LMP the PoNet mixer sums (kernels/ponet_branches.h). JSON
  // "ponet_branches": the names of the branches kept, written only when one is removed.
  PoNetBranches ponet_branches;
  // JSON "layer_norm_position": "post" or "pre", written only when "pre" (so post-LN configs, checkpoints
  // and exports are as they were; a config without the field is post).
  LayerNormPosition layer_norm_position = LayerNormPosition::post;

  int64_t head_size() const { return hidden_size / num_attention_heads; }
  // Throws ponet::Error naming the first bad field.
  void validate() const;

  std::string to_json() const;  // pretty JSON, keys sorted
  // Unknown keys are an error (a typo must not silently fall back to a default); missing keys keep
  // their defaults. `where` names the source in error messages.
  static PoNetConfig from_json(const std::string& text, const std::string& where = "config");
  static PoNetConfig from_file(const std::string& path);
  // The LRA-text size of the paper's speed table, as bench_ponet_step and `ponet profile` time it: byte
  // vocabulary (256), hidden 64, 2 layers, 2 heads, intermediate 128, 4 fixed chunks, no special-token
  // rule, max_position_embeddings = length.
  static PoNetConfig lra_speed_benchmark(int64_t length);
};

// "ponet_branches" in a config JSON (PoNetConfig, LraConfig): a list of the branch names kept, "ga",
// "smp", "lmp", in any order, each at most once, at least one. Errors name `where` and the field.
PoNetBranches read_ponet_branches(const nlohmann::json& value, const std::string& where);
std::vector<std::string> ponet_branch_names(const PoNetBranches& branches);  // in the order ga, smp, lmp
// The check both configs make: at least one branch, and a removed branch only with the PoNet mixer.
void check_ponet_branches(const PoNetBranches& branches, const std::string& mixer, const char* who,
                          const char* mixer_field);

}  // namespace ponet::nn
