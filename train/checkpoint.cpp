#include "train/checkpoint.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "io/crc32.h"
#include "io/safetensors.h"
#include "nn/model_factory.h"

namespace ponet::train {

namespace {
constexpr const char* kFormat = "ponet.cpp checkpoint v1";
constexpr const char* kOptimizerPrefix = "optimizer.";
constexpr const char* kChecksumPrefix = "crc32.";  // metadata: CRC-32 of each tensor's bytes (hex)

std::string tensor_crc(const Tensor& t) {
  Tensor c = t.contiguous().to(Device::cpu());
  const size_t bytes = static_cast<size_t>(c.numel()) * (c.dtype() == DType::I64 ? 8 : 4);
  char hex[16];
  std::snprintf(hex, sizeof hex, "%08x", io::crc32(c.raw_data(), bytes));
  return hex;
}
}  // namespace

void save_checkpoint(const std::string& path, const nn::Model& model, const AdamW* optimizer,
                     const CheckpointState& state) {
  std::vector<std::pair<std::string, Tensor>> tensors = model.named_parameters();
  if (optimizer)
    for (auto& [name, t] : optimizer->state()) tensors.emplace_back(kOptimizerPrefix + name, t);
  std::map<std::string, std::string> meta = state.extra;
  meta["format"] = kFormat;
  meta["step"] = std::to_string(state.step);
  meta["optimizer_steps"] = std::to_string(optimizer ? optimizer->steps_taken() : 0);
  meta["data_rng"] = state.data_rng;
  meta["dropout_rng"] = state.dropout_rng;
  meta["config"] = model.config_json();
  meta["model"] = model.class_name();
  for (auto& [name, t] : tensors) meta[kChecksumPrefix + name] = tensor_crc(t);
  io::save_safetensors(path, tensors, meta);
}

CheckpointState load_checkpoint(const std::string& path, nn::Model& model, AdamW* optimizer, bool allow_non_finite) {
  io::SafetensorsFile file = io::load_safetensors(path);
  for (auto& [name, t] : file.tensors) {
    auto crc = file.metadata.find(kChecksumPrefix + name);  // absent in checkpoints older than checksums
    if (crc != file.metadata.end())
      PONET_CHECK(crc->second == tensor_crc(t), path, ": tensor '", name, "' is corrupted (CRC-32 ", tensor_crc(t),
                  ", the file says ", crc->second, ")");
    if (!allow_non_finite && t.dtype() == DType::F32)
      for (float v : t.to_vector())
        PONET_CHECK(std::isfinite(v), path, ": tensor '", name, "' holds ", v, " (non-finite weights are refused)");
  }
  auto meta = [&](const std::string& key) -> const std::string& {
    auto it = file.metadata.find(key);
    PONET_CHECK(it != file.metadata.end(), path, ": not a ponet.cpp checkpoint (metadata '", key, "' missing)");
    return it->second;
  };
  PONET_CHECK(meta("format") == kFormat, path, ": unknown checkpoint format '", meta("format"), "'");
  auto to_int = [&](const std::string& key) {
    try {
      return static_cast<int64_t>(std::stoll(meta(key)));
    } catch (const std::exception&) {
      fail(path, ": metadata '", key, "' is not an integer");
    }
  };
  std::map<std::string, Tensor> params, moments;
  for (auto& [name, t] : file.tensors) {
    if (name.rfind(kOptimizerPrefix, 0) == 0) moments[name.substr(std::string(kOptimizerPrefix).size())] = t;
    else params[name] = t;
  }
  model.load_state_dict(params);
  CheckpointState state;
  state.step = to_int("step");
  if (optimizer) {
    PONET_CHECK(!moments.empty(), path, ": holds no optimizer state (a model-only file cannot be resumed)");
    optimizer->load_state(moments, to_int("optimizer_steps"));
  }
  state.data_rng = meta("data_rng");
  state.dropout_rng = meta("dropout_rng");
  for (auto& [k, v] : file.metadata) state.extra[k] = v;
  return state;
}

std::string checkpoint_config(const std::string& path) {
  io::SafetensorsFile file = io::load_safetensors(path);
  auto it = file.metadata.find("config");
  PONET_CHECK(it != file.metadata.end(), path, ": no model config in the metadata");
  return it->second;
}

std::string checkpoint_class(const std::string& path) {
  io::SafetensorsFile file = io::load_safetensors(path);
  auto cls = file.metadata.find("model");
  // checkpoints from before the model zoo hold PoNetForPreTraining
  return cls == file.metadata.end() ? "PoNetForPreTraining" : cls->second;
}

std::unique_ptr<nn::Model> load_checkpoint_model(const std::string& path) {
  std::unique_ptr<nn::Model> model =
      nn::make_model(checkpoint_class(path), checkpoint_config(path), 0, path + " (config)");
  load_checkpoint(path, *model, nullptr);
  return model;
}

}  // namespace ponet::train
