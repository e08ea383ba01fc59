#include "train/checkpoint.h"

#include "core/error.h"
#include "nn/model_factory.h"
#include "train/safetensors.h"

namespace ponet::train {

namespace {
constexpr const char* kFormat = "ponet.cpp checkpoint v1";
constexpr const char* kOptimizerPrefix = "optimizer.";
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
  save_safetensors(path, tensors, meta);
}

CheckpointState load_checkpoint(const std::string& path, nn::Model& model, AdamW* optimizer) {
  SafetensorsFile file = load_safetensors(path);
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
  SafetensorsFile file = load_safetensors(path);
  auto it = file.metadata.find("config");
  PONET_CHECK(it != file.metadata.end(), path, ": no model config in the metadata");
  return it->second;
}

std::string checkpoint_class(const std::string& path) {
  SafetensorsFile file = load_safetensors(path);
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
