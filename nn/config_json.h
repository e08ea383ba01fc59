// Shared plumbing of the model-config readers (PoNetConfig, LraConfig, the model factory): parse a JSON
// object with errors that name the source, read one typed field, check the "family" tag.
#pragma once
#include <nlohmann/json.hpp>
#include <cmath>
#include <string>
#include <type_traits>

#include "core/error.h"

namespace ponet::nn {

inline nlohmann::json parse_config_object(const std::string& text, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse errors, and numbers out of range such as 1e400
    fail(where, ": not valid JSON: ", e.what());
  }
  PONET_CHECK(j.is_object(), where, ": expected a JSON object");
  return j;
}

// Integer fields take only JSON integers (32.9 or 1e22 are errors, never truncated), float fields any
// finite number, bool fields true / false, string fields strings.
template <class T>
void read_config_field(const nlohmann::json& value, const std::string& key, T& out, const std::string& where) {
  bool ok;
  if constexpr (std::is_same_v<T, bool>) ok = value.is_boolean();
  else if constexpr (std::is_integral_v<T>) ok = value.is_number_integer();
  else if constexpr (std::is_floating_point_v<T>) ok = value.is_number() && std::isfinite(value.get<double>());
  else ok = value.is_string();
  PONET_CHECK(ok, where, ": field \"", key, "\" has the wrong type or value (", value.dump(), ")");
  out = value.get<T>();
}

// Upper bounds of config sizes: far above any model this project trains, far below overflow.
constexpr int64_t kMaxVocab = int64_t{1} << 24, kMaxWidth = int64_t{1} << 16, kMaxLayers = 1024;
constexpr int64_t kMaxPositions = int64_t{1} << 20;
constexpr double kMaxParameters = 4e9;  // 16 GB of float32 weights, before gradients and optimizer state

inline void check_parameter_count(double parameters, const char* who) {
  PONET_CHECK(parameters <= kMaxParameters, who, ": these sizes give about ", parameters / 1e9,
              " billion parameters (more than ", kMaxParameters / 1e9, " billion); check the config");
}

// Sizes are bounded before anything is allocated, so a typo or a crafted file gets a clear error.
inline void check_size_field(int64_t value, int64_t limit, const char* who, const char* name) {
  PONET_CHECK(value > 0 && value <= limit, who, ": ", name, " must be in [1, ", limit, "], got ", value);
}

// A config of `family` may carry "family": "<family>" and nothing else there.
inline void check_family_field(const nlohmann::json& value, const std::string& family, const std::string& where) {
  std::string got;
  read_config_field(value, "family", got, where);
  PONET_CHECK(got == family, where, ": this config reader takes \"family\": \"", family, "\", got \"", got, "\"");
}

}  // namespace ponet::nn
