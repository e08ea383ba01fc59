#include "nn/lra_config.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "nn/config_json.h"
#include "io/json_text.h"
#include "nn/ponet_config.h"
#include "nn/token_mixer.h"

namespace ponet::nn {

using nlohmann::json;

void LraConfig::validate() const {
  const char* who = "LraConfig";
  PONET_CHECK(is_token_mixer(attn_type), who, ": unknown attn_type \"", attn_type, "\" (ponet, softmax or fnet)");
  check_size_field(vocab_size, kMaxVocab, who, "vocab_size");
  for (auto [v, name] : {std::pair{transformer_dim, "transformer_dim"}, {transformer_hidden_dim, "transformer_hidden_dim"},
                         {head_dim, "head_dim"}, {num_head, "num_head"}, {num_classes, "num_classes"}})
    check_size_field(v, kMaxWidth, who, name);
  check_size_field(num_layers, kMaxLayers, who, "num_layers");
  check_size_field(max_seq_len, kMaxPositions, who, "max_seq_len");
  const double D = static_cast<double>(transformer_dim);
  check_parameter_count((vocab_size + max_seq_len) * D +
                            num_layers * (5 * D * D + 2 * D * transformer_hidden_dim +
                                          3.0 * D * num_head * head_dim),
                        who);
  PONET_CHECK(embedding_dim == transformer_dim, who, ": embedding_dim ", embedding_dim, " must equal transformer_dim ",
              transformer_dim);
  for (auto [p, name] : {std::pair{dropout_prob, "dropout_prob"}, {attention_dropout, "attention_dropout"}})
    PONET_CHECK(p >= 0.f && p < 1.f, who, ": ", name, " must be in [0, 1), got ", p);
  PONET_CHECK(pooling_mode == "MEAN", who, ": only pooling_mode \"MEAN\" is implemented, got \"", pooling_mode, "\"");
  PONET_CHECK(learn_pos_emb, who, ": only learned position embeddings (learn_pos_emb true) are implemented");
  PONET_CHECK(!tied_weights, who, ": tied_weights (one block reused for every layer) is not implemented");
  PONET_CHECK(!mixed_precision, who, ": mixed_precision is not implemented (float32 only)");
  PONET_CHECK(segment_num >= 0, who, ": segment_num must be >= 0, got ", segment_num);
  PONET_CHECK(attn_type != "ponet" || segment_num > 0, who, ": attn_type \"ponet\" needs segment_num > 0");
  PONET_CHECK(attn_type != "ponet" || num_head * head_dim == transformer_dim, who, ": PoNet needs num_head x head_dim (",
              num_head, " x ", head_dim, ") == transformer_dim ", transformer_dim);
  PONET_CHECK(initializer_range > 0.f && layer_norm_eps > 0.f, who, ": initializer_range and layer_norm_eps must be positive");
  check_ponet_branches(ponet_branches, attn_type, who, "attn_type");
}

std::string LraConfig::to_json() const {
  json j = {{"family", "lra"},
            {"attn_type", attn_type},
            {"vocab_size", vocab_size},
            {"embedding_dim", embedding_dim},
            {"transformer_dim", transformer_dim},
            {"transformer_hidden_dim", transformer_hidden_dim},
            {"head_dim", head_dim},
            {"num_head", num_head},
            {"num_layers", num_layers},
            {"max_seq_len", max_seq_len},
            {"dropout_prob", io::json_float(dropout_prob)},
            {"attention_dropout", io::json_float(attention_dropout)},
            {"pooling_mode", pooling_mode},
            {"num_classes", num_classes},
            {"segment_num", segment_num},
            {"initializer_range", io::json_float(initializer_range)},
            {"layer_norm_eps", io::json_float(layer_norm_eps)},
            {"learn_pos_emb", learn_pos_emb},
            {"tied_weights", tied_weights},
            {"mixed_precision", mixed_precision},
            {"attention_grad_checkpointing", attention_grad_checkpointing}};
  if (!ponet_branches.all()) j["ponet_branches"] = ponet_branch_names(ponet_branches);  // the full PoNet writes none
  return io::json_text(j, 2);
}

LraConfig LraConfig::from_json(const std::string& text, const std::string& where) {
  const json j = parse_config_object(text, where);
  LraConfig c;
  for (auto& [key, v] : j.items()) {
    if (key == "family") check_family_field(v, "lra", where);
    else if (key == "attn_type") read_config_field(v, key, c.attn_type, where);
    else if (key == "vocab_size") read_config_field(v, key, c.vocab_size, where);
    else if (key == "embedding_dim") read_config_field(v, key, c.embedding_dim, where);
    else if (key == "transformer_dim") read_config_field(v, key, c.transformer_dim, where);
    else if (key == "transformer_hidden_dim") read_config_field(v, key, c.transformer_hidden_dim, where);
    else if (key == "head_dim") read_config_field(v, key, c.head_dim, where);
    else if (key == "num_head") read_config_field(v, key, c.num_head, where);
    else if (key == "num_layers") read_config_field(v, key, c.num_layers, where);
    else if (key == "max_seq_len") read_config_field(v, key, c.max_seq_len, where);
    else if (key == "dropout_prob") read_config_field(v, key, c.dropout_prob, where);
    else if (key == "attention_dropout") read_config_field(v, key, c.attention_dropout, where);
    else if (key == "pooling_mode") read_config_field(v, key, c.pooling_mode, where);
    else if (key == "num_classes") read_config_field(v, key, c.num_classes, where);
    else if (key == "segment_num") read_config_field(v, key, c.segment_num, where);
    else if (key == "initializer_range") read_config_field(v, key, c.initializer_range, where);
    else if (key == "layer_norm_eps") read_config_field(v, key, c.layer_norm_eps, where);
    else if (key == "learn_pos_emb") read_config_field(v, key, c.learn_pos_emb, where);
    else if (key == "tied_weights") read_config_field(v, key, c.tied_weights, where);
    else if (key == "mixed_precision") read_config_field(v, key, c.mixed_precision, where);
    else if (key == "attention_grad_checkpointing") read_config_field(v, key, c.attention_grad_checkpointing, where);
    else if (key == "ponet_branches") c.ponet_branches = read_ponet_branches(v, where);
    else fail(where, ": unknown field \"", key, "\"");
  }
  try {
    c.validate();
  } catch (const Error& e) {
    fail(where, ": ", e.what());
  }
  return c;
}

}  // namespace ponet::nn
