// Building any model from its class name and config JSON: what checkpoints store, and what `--config`
// files name. A config's "family" picks the config type: "ponet" (the default: PoNetConfig, HF names)
// or "lra" (LraConfig, the official LRA names). Both, and the classes, are tables in model_factory.cpp:
// a new model class is one line there.
#pragma once
#include <memory>
#include <string>

#include "nn/model.h"

namespace ponet::nn {

// "ponet" or "lra"; unknown families and malformed JSON throw, naming `where`.
std::string config_family(const std::string& config_json, const std::string& where = "config");
// class_name: PoNetForPreTraining, PoNetForSequenceClassification, PoNetForCausalLM (family ponet),
// LraForSequenceClassification or LraForMaskedLM (family lra). The config is validated; errors name `where`.
std::unique_ptr<Model> make_model(const std::string& class_name, const std::string& config_json, uint64_t seed,
                                  const std::string& where = "config");
// Whether a model class (as make_model names it) is a family's sequence classifier: the one question
// "does this model label texts?" for checkpoints, Hugging Face directories and exports alike.
bool is_classifier_class(const std::string& class_name);

}  // namespace ponet::nn
