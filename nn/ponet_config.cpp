#include "nn/ponet_config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "nn/config_json.h"
#include "io/json_text.h"
#include "nn/token_mixer.h"

namespace ponet::nn {

using nlohmann::json;

namespace {
std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

constexpr const char* kBranchesField = "ponet_branches";
constexpr const char* kLayerNormPositionField = "layer_norm_position";

LayerNormPosition read_layer_norm_position(const json& value, const std::string& where) {
  std::string name;
  read_config_field(value, kLayerNormPositionField, name, where);
  for (LayerNormPosition p : {LayerNormPosition::post, LayerNormPosition::pre})
    if (name == layer_norm_position_name(p)) return p;
  fail(where, ": field \"", kLayerNormPositionField, "\" is \"", name, "\"; expected \"post\" or \"pre\"");
}
}  // namespace

const char* layer_norm_position_name(LayerNormPosition position) {
  return position == LayerNormPosition::pre ? "pre" : "post";
}

PoNetBranches read_ponet_branches(const json& value, const std::string& where) {
  PONET_CHECK(value.is_array(), where, ": field \"", kBranchesField,
              "\" must be a list of the PoNet branches kept (\"ga\", \"smp\", \"lmp\"), got ", value.dump());
  PoNetBranches b{false, false, false};
  for (const json& item : value) {
    const std::string name = item.is_string() ? item.get<std::string>() : item.dump();
    bool* flag = name == "ga" ? &b.ga : name == "smp" ? &b.smp : name == "lmp" ? &b.lmp : nullptr;
    PONET_CHECK(item.is_string() && flag, where, ": field \"", kBranchesField, "\": unknown branch ", item.dump(),
                " (known: \"ga\", \"smp\", \"lmp\")");
    PONET_CHECK(!*flag, where, ": field \"", kBranchesField, "\" names \"", name, "\" twice");
    *flag = true;
  }
  PONET_CHECK(b.any(), where, ": field \"", kBranchesField,
              "\" is empty: at least one of \"ga\", \"smp\", \"lmp\" must stay");
  return b;
}

std::vector<std::string> ponet_branch_names(const PoNetBranches& b) {
  std::vector<std::string> names;
  if (b.ga) names.push_back("ga");
  if (b.smp) names.push_back("smp");
  if (b.lmp) names.push_back("lmp");
  return names;
}

void check_ponet_branches(const PoNetBranches& b, const std::string& mixer, const char* who, const char* mixer_field) {
  PONET_CHECK(b.any(), who, ": ", kBranchesField, " removes every branch (ga, smp, lmp); at least one must stay");
  PONET_CHECK(b.all() || mixer == "ponet", who, ": ", kBranchesField, " [", join(ponet_branch_names(b)),
              "] removes PoNet branches, but ", mixer_field, " is \"", mixer, "\" (the switches are PoNet's)");
}

void PoNetConfig::validate() const {
  const char* who = "PoNetConfig";
  check_size_field(vocab_size, kMaxVocab, who, "vocab_size");
  check_size_field(hidden_size, kMaxWidth, who, "hidden_size");
  check_size_field(num_hidden_layers, kMaxLayers, who, "num_hidden_layers");
  check_size_field(num_attention_heads, kMaxWidth, who, "num_attention_heads");
  check_size_field(intermediate_size, kMaxWidth, who, "intermediate_size");
  check_size_field(max_position_embeddings, kMaxPositions, who, "max_position_embeddings");
  check_size_field(type_vocab_size, kMaxWidth, who, "type_vocab_size");
  check_size_field(num_sso_labels, kMaxWidth, who, "num_sso_labels");
  const double D = static_cast<double>(hidden_size);
  check_parameter_count((vocab_size + max_position_embeddings + type_vocab_size) * D +
                            num_hidden_layers * (6 * D * D + 2 * D * intermediate_size),
                        who);
  PONET_CHECK(hidden_size % num_attention_heads == 0, "PoNetConfig: hidden_size ", hidden_size,
              " is not a multiple of num_attention_heads ", num_attention_heads);
  PONET_CHECK(hidden_act == "gelu", "PoNetConfig: only hidden_act \"gelu\" is supported, got \"", hidden_act, "\"");
  PONET_CHECK(hidden_dropout_prob >= 0.f && hidden_dropout_prob < 1.f,
              "PoNetConfig: hidden_dropout_prob must be in [0, 1), got ", hidden_dropout_prob);
  PONET_CHECK(initializer_range > 0.f, "PoNetConfig: initializer_range must be positive");
  PONET_CHECK(layer_norm_eps > 0.f, "PoNetConfig: layer_norm_eps must be positive");
  PONET_CHECK(segment_num >= 0, "PoNetConfig: segment_num must be >= 0, got ", segment_num);
  PONET_CHECK(causal_segment_length > 0, "PoNetConfig: causal_segment_length must be positive, got ",
              causal_segment_length);
  PONET_CHECK(is_token_mixer(mixer), "PoNetConfig: unknown mixer \"", mixer, "\" (known: ", join(token_mixer_names()),
              ")");
  PONET_CHECK(attention_probs_dropout_prob >= 0.f && attention_probs_dropout_prob < 1.f,
              "PoNetConfig: attention_probs_dropout_prob must be in [0, 1), got ", attention_probs_dropout_prob);
  PONET_CHECK(num_labels >= 1, "PoNetConfig: num_labels must be >= 1 (1 = regression), got ", num_labels);
  check_ponet_branches(ponet_branches, mixer, who, "mixer");
  for (auto [id, name] : {std::pair{pad_token_id, "pad_token_id"}, {cls_token_id, "cls_token_id"},
                          {sep_token_id, "sep_token_id"}, {mask_token_id, "mask_token_id"}})
    PONET_CHECK(id >= 0 && id < vocab_size, "PoNetConfig: ", name, " ", id, " is outside the vocabulary [0, ",
                vocab_size, ")");
}

std::string PoNetConfig::to_json() const {
  json j = {{"vocab_size", vocab_size},
            {"hidden_size", hidden_size},
            {"num_hidden_layers", num_hidden_layers},
            {"num_attention_heads", num_attention_heads},
            {"intermediate_size", intermediate_size},
            {"hidden_act", hidden_act},
            {"hidden_dropout_prob", io::json_float(hidden_dropout_prob)},
            {"max_position_embeddings", max_position_embeddings},
            {"type_vocab_size", type_vocab_size},
            {"initializer_range", io::json_float(initializer_range)},
            {"layer_norm_eps", io::json_float(layer_norm_eps)},
            {"pad_token_id", pad_token_id},
            {"cls_token_id", cls_token_id},
            {"sep_token_id", sep_token_id},
            {"mask_token_id", mask_token_id},
            {"clsgsepg", clsgsepg},
            {"segment_num", segment_num},
            {"num_sso_labels", num_sso_labels},
            {"mixer", mixer},
            {"attention_probs_dropout_prob", io::json_float(attention_probs_dropout_prob)},
            {"num_labels", num_labels},
            {"family", "ponet"}};
  if (mixer == "ponet_causal") j["causal_segment_length"] = causal_segment_length;  // only the causal PoNet reads it
  if (!ponet_branches.all()) j[kBranchesField] = ponet_branch_names(ponet_branches);  // the full PoNet writes none
  if (layer_norm_position != LayerNormPosition::post)
    j[kLayerNormPositionField] = layer_norm_position_name(layer_norm_position);
  return io::json_text(j, 2);
}

PoNetConfig PoNetConfig::from_json(const std::string& text, const std::string& where) {
  const json j = parse_config_object(text, where);
  PoNetConfig c;
  for (auto& [key, value] : j.items()) {
    if (key == "vocab_size") read_config_field(value, key, c.vocab_size, where);
    else if (key == "hidden_size") read_config_field(value, key, c.hidden_size, where);
    else if (key == "num_hidden_layers") read_config_field(value, key, c.num_hidden_layers, where);
    else if (key == "num_attention_heads") read_config_field(value, key, c.num_attention_heads, where);
    else if (key == "intermediate_size") read_config_field(value, key, c.intermediate_size, where);
    else if (key == "hidden_act") read_config_field(value, key, c.hidden_act, where);
    else if (key == "hidden_dropout_prob") read_config_field(value, key, c.hidden_dropout_prob, where);
    else if (key == "max_position_embeddings") read_config_field(value, key, c.max_position_embeddings, where);
    else if (key == "type_vocab_size") read_config_field(value, key, c.type_vocab_size, where);
    else if (key == "initializer_range") read_config_field(value, key, c.initializer_range, where);
    else if (key == "layer_norm_eps") read_config_field(value, key, c.layer_norm_eps, where);
    else if (key == "pad_token_id") read_config_field(value, key, c.pad_token_id, where);
    else if (key == "cls_token_id") read_config_field(value, key, c.cls_token_id, where);
    else if (key == "sep_token_id") read_config_field(value, key, c.sep_token_id, where);
    else if (key == "mask_token_id") read_config_field(value, key, c.mask_token_id, where);
    else if (key == "clsgsepg") read_config_field(value, key, c.clsgsepg, where);
    else if (key == "segment_num") read_config_field(value, key, c.segment_num, where);
    else if (key == "causal_segment_length") read_config_field(value, key, c.causal_segment_length, where);
    else if (key == "num_sso_labels") read_config_field(value, key, c.num_sso_labels, where);
    else if (key == "mixer") read_config_field(value, key, c.mixer, where);
    else if (key == "attention_probs_dropout_prob") read_config_field(value, key, c.attention_probs_dropout_prob, where);
    else if (key == "num_labels") read_config_field(value, key, c.num_labels, where);
    else if (key == kBranchesField) c.ponet_branches = read_ponet_branches(value, where);
    else if (key == kLayerNormPositionField) c.layer_norm_position = read_layer_norm_position(value, where);
    else if (key == "family") check_family_field(value, "ponet", where);
    else fail(where, ": unknown field \"", key, "\"");
  }
  c.validate();
  return c;
}

PoNetConfig PoNetConfig::from_file(const std::string& path) {
  std::ifstream in(path);
  PONET_CHECK(in.good(), "cannot open model config '", path, "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return from_json(ss.str(), path);
}

PoNetConfig PoNetConfig::lra_speed_benchmark(int64_t length) {
  PoNetConfig c;
  c.vocab_size = 256;
  c.hidden_size = 64;
  c.num_attention_heads = 2;
  c.num_hidden_layers = 2;
  c.intermediate_size = 128;
  c.max_position_embeddings = length;
  c.clsgsepg = false;
  c.segment_num = 4;
  c.pad_token_id = 0;
  c.cls_token_id = c.sep_token_id = c.mask_token_id = 1;
  return c;
}

}  // namespace ponet::nn
