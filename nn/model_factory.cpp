#include "nn/model_factory.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "nn/config_json.h"
#include "nn/lra.h"
#include "nn/ponet.h"
#include "nn/ponet_classification.h"

namespace ponet::nn {

std::string config_family(const std::string& text, const std::string& where) {
  const nlohmann::json j = parse_config_object(text, where);
  if (!j.contains("family")) return "ponet";
  PONET_CHECK(j["family"].is_string(), where, ": \"family\" must be a string (\"ponet\" or \"lra\")");
  const std::string family = j["family"].get<std::string>();
  PONET_CHECK(family == "ponet" || family == "lra", where, ": unknown family \"", family,
              "\" (expected \"ponet\" or \"lra\")");
  return family;
}

std::string classifier_class(const std::string& family) {
  return family == "lra" ? "LraForSequenceClassification" : "PoNetForSequenceClassification";
}

std::unique_ptr<Model> make_model(const std::string& class_name, const std::string& text, uint64_t seed,
                                  const std::string& where) {
  const std::string family = config_family(text, where);
  auto expect = [&](const char* wanted) {
    PONET_CHECK(family == wanted, where, ": ", class_name, " needs a \"", wanted, "\" config, got family \"", family,
                "\"");
  };
  if (class_name == "PoNetForPreTraining") {
    expect("ponet");
    return std::make_unique<PoNetForPreTraining>(PoNetConfig::from_json(text, where), seed);
  }
  if (class_name == "PoNetForSequenceClassification") {
    expect("ponet");
    return std::make_unique<PoNetForSequenceClassification>(PoNetConfig::from_json(text, where), seed);
  }
  if (class_name == "LraForSequenceClassification") {
    expect("lra");
    return std::make_unique<LraForSequenceClassification>(LraConfig::from_json(text, where), seed);
  }
  fail(where, ": unknown model class \"", class_name,
       "\" (PoNetForPreTraining, PoNetForSequenceClassification, LraForSequenceClassification)");
}

}  // namespace ponet::nn
