// Shared plumbing of the model-config readers (PoNetConfig, LraConfig, the model factory): parse a JSON
// object with errors that name the source, read one typed field, check the "family" tag.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"

namespace ponet::nn {

inline nlohmann::json parse_config_object(const std::string& text, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    fail(where, ": not valid JSON: ", e.what());
  }
  PONET_CHECK(j.is_object(), where, ": expected a JSON object");
  return j;
}

template <class T>
void read_config_field(const nlohmann::json& value, const std::string& key, T& out, const std::string& where) {
  try {
    out = value.get<T>();
  } catch (const nlohmann::json::exception&) {
    fail(where, ": field \"", key, "\" has the wrong type (", value.dump(), ")");
  }
}

// A config of `family` may carry "family": "<family>" and nothing else there.
inline void check_family_field(const nlohmann::json& value, const std::string& family, const std::string& where) {
  std::string got;
  read_config_field(value, "family", got, where);
  PONET_CHECK(got == family, where, ": this config reader takes \"family\": \"", family, "\", got \"", got, "\"");
}

}  // namespace ponet::nn
