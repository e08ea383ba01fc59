#include "nn/model_factory.h"

#include <iterator>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "nn/config_json.h"
#include "nn/lra.h"
#include "nn/lra_masked_lm.h"
#include "nn/ponet_for_causal_lm.h"
#include "nn/ponet_for_pretraining.h"
#include "nn/ponet_classification.h"

namespace ponet::nn {

namespace {

// Each family: its name (the config's "family") and its sequence classifier.
struct Family {
  const char* name;
  const char* classifier;
};
const Family kFamilies[] = {
    {"ponet", "PoNetForSequenceClassification"},  // PoNetConfig, the HF PoNet names (the default family)
    {"lra", "LraForSequenceClassification"},      // LraConfig, the official LRA code's names
};

template <class M, class Config>
std::unique_ptr<Model> build(const std::string& text, uint64_t seed, const std::string& where) {
  return std::make_unique<M>(Config::from_json(text, where), seed);
}

// Each model class: its name (what checkpoints store), the family of config it takes, and its builder.
struct ModelClass {
  const char* name;
  const char* family;
  std::unique_ptr<Model> (*make)(const std::string& config_json, uint64_t seed, const std::string& where);
};
const ModelClass kClasses[] = {
    {"PoNetForPreTraining", "ponet", build<PoNetForPreTraining, PoNetConfig>},
    {"PoNetForSequenceClassification", "ponet", build<PoNetForSequenceClassification, PoNetConfig>},
    {"PoNetForCausalLM", "ponet", build<PoNetForCausalLM, PoNetConfig>},
    {"LraForSequenceClassification", "lra", build<LraForSequenceClassification, LraConfig>},
    {"LraForMaskedLM", "lra", build<LraForMaskedLM, LraConfig>},  // `ponet lra --self-pretrain`'s phase 1
};

// "\"ponet\" or \"lra\"": the known families, for error messages.
std::string family_list() {
  std::string out;
  const size_t n = std::size(kFamilies);
  for (size_t i = 0; i < n; ++i)
    out += (i == 0 ? "" : i + 1 == n ? " or " : ", ") + std::string("\"") + kFamilies[i].name + "\"";
  return out;
}

const Family* find_family(const std::string& name) {
  for (const Family& f : kFamilies)
    if (name == f.name) return &f;
  return nullptr;
}

}  // namespace

std::string config_family(const std::string& text, const std::string& where) {
  const nlohmann::json j = parse_config_object(text, where);
  if (!j.contains("family")) return kFamilies[0].name;
  PONET_CHECK(j["family"].is_string(), where, ": \"family\" must be a string (", family_list(), ")");
  const std::string family = j["family"].get<std::string>();
  PONET_CHECK(find_family(family), where, ": unknown family \"", family, "\" (expected ", family_list(), ")");
  return family;
}

bool is_classifier_class(const std::string& class_name) {
  for (const Family& f : kFamilies)
    if (class_name == f.classifier) return true;
  return false;
}

std::unique_ptr<Model> make_model(const std::string& class_name, const std::string& text, uint64_t seed,
                                  const std::string& where) {
  const std::string family = config_family(text, where);
  for (const ModelClass& c : kClasses) {
    if (class_name != c.name) continue;
    PONET_CHECK(family == c.family, where, ": ", class_name, " needs a \"", c.family, "\" config, got family \"",
                family, "\"");
    return c.make(text, seed, where);
  }
  std::string known;
  for (const ModelClass& c : kClasses) known += (known.empty() ? "" : ", ") + std::string(c.name);
  fail(where, ": unknown model class \"", class_name, "\" (", known, ")");
}

}  // namespace ponet::nn
