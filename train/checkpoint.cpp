#include "train/checkpoint.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "io/crc32.h"
#include "io/safetensors.h"
#include "nn/model_factory.h"
#include "train/run_format.h"

namespace ponet::train {

namespace {
constexpr const char* kFormatV1 = "ponet.cpp checkpoint v1";
constexpr const char* kOptimizerPrefix = "optimizer.";
constexpr const char* kChecksumPrefix = "crc32.";  // metadata: CRC-32 of each tensor's bytes (hex)

std::string tensor_crc(const Tensor& t) {
  Tensor c = t.contiguous().to(Device::cpu());
  const size_t bytes = static_cast<size_t>(c.numel()) * dtype_size(c.dtype());
  char hex[16];
  std::snprintf(hex, sizeof hex, "%08x", io::crc32(c.raw_data(), bytes));
  return hex;
}

std::string directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// A metadata value that must be there.
const std::string& required(const io::SafetensorsFile& file, const std::string& path, const std::string& key) {
  auto it = file.metadata.find(key);
  PONET_CHECK(it != file.metadata.end(), path, ": not a ponet.cpp checkpoint (metadata '", key, "' missing)");
  return it->second;
}

// The file, refused unless of the current format: a v1 file names the conversion.
io::SafetensorsFile load_current(const std::string& path) {
  io::SafetensorsFile file = io::load_safetensors(path);
  const std::string& format = required(file, path, "format");
  PONET_CHECK(format != kFormatV1, path, ": a checkpoint of format v1; this ponet reads '", kCheckpointFormat,
              "': convert its run directory in place with: ", upgrade_command(directory_of(path)));
  PONET_CHECK(format == kCheckpointFormat, path, ": unknown checkpoint format '", format, "' (this ponet reads '",
              kCheckpointFormat, "')");
  return file;
}

}  // namespace

void save_checkpoint(const std::string& path, const nn::Model& model, const AdamW* optimizer,
                     const CheckpointState& state) {
  std::vector<std::pair<std::string, Tensor>> tensors = model.named_parameters();
  if (optimizer)
    for (auto& [name, t] : optimizer->state()) tensors.emplace_back(kOptimizerPrefix + name, t);
  std::map<std::string, std::string> meta = state.extra;
  meta["format"] = kCheckpointFormat;
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
  io::SafetensorsFile file = load_current(path);
  auto to_int = [&](const std::string& key) {
    const std::string& text = required(file, path, key);
    try {
      return static_cast<int64_t>(std::stoll(text));
    } catch (const std::exception&) {
      fail(path, ": metadata '", key, "' is not an integer");
    }
  };
  CheckpointState state;
  state.step = to_int("step");
  state.data_rng = required(file, path, "data_rng");
  state.dropout_rng = required(file, path, "dropout_rng");
  for (auto& [name, t] : file.tensors) {
    const std::string& crc = required(file, path, kChecksumPrefix + name);
    PONET_CHECK(crc == tensor_crc(t), path, ": tensor '", name, "' is corrupted (CRC-32 ", tensor_crc(t),
                ", the file says ", crc, ")");
    if (!allow_non_finite && t.dtype() == DType::F32)
      for (float v : t.to_vector())
        PONET_CHECK(std::isfinite(v), path, ": tensor '", name, "' holds ", v, " (non-finite weights are refused)");
  }
  std::map<std::string, Tensor> params, moments;
  for (auto& [name, t] : file.tensors) {
    if (name.rfind(kOptimizerPrefix, 0) == 0) moments[name.substr(std::string(kOptimizerPrefix).size())] = t;
    else params[name] = t;
  }
  model.load_state_dict(params);
  if (optimizer) {
    PONET_CHECK(!moments.empty(), path, ": holds no optimizer state (a model-only file cannot be resumed)");
    optimizer->load_state(moments, to_int("optimizer_steps"));
  }
  for (auto& [k, v] : file.metadata) state.extra[k] = v;
  return state;
}

std::string checkpoint_config(const std::string& path) {
  io::SafetensorsFile file = load_current(path);
  return required(file, path, "config");
}

std::string checkpoint_class(const std::string& path) {
  io::SafetensorsFile file = load_current(path);
  return required(file, path, "model");
}

std::unique_ptr<nn::Model> load_checkpoint_model(const std::string& path) {
  std::unique_ptr<nn::Model> model =
      nn::make_model(checkpoint_class(path), checkpoint_config(path), 0, path + " (config)");
  load_checkpoint(path, *model, nullptr);
  return model;
}

bool upgrade_checkpoint(const std::string& path) {
  io::SafetensorsFile file = io::load_safetensors(path);
  const std::string& format = required(file, path, "format");
  if (format == kCheckpointFormat) return false;
  PONET_CHECK(format == kFormatV1, path, ": unknown checkpoint format '", format, "'");
  std::map<std::string, std::string> meta = file.metadata;
  meta.emplace("model", "PoNetForPreTraining");  // v1 files without a class predate every other model
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const std::string& name : file.names_in_order) {
    const Tensor& t = file.tensors.at(name);
    const std::string crc = tensor_crc(t);
    auto [it, added] = meta.emplace(kChecksumPrefix + name, crc);
    PONET_CHECK(added || it->second == crc, path, ": tensor '", name, "' is corrupted (CRC-32 ", crc,
                ", the file says ", it->second, "): not converted");
    tensors.emplace_back(name, t);
  }
  meta["format"] = kCheckpointFormat;
  io::save_safetensors(path, tensors, meta);
  return true;
}

}  // namespace ponet::train
