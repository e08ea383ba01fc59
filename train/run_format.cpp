#include "train/run_format.h"

#include <sys/stat.h>

#include "core/error.h"
#include "io/atomic_file.h"
#include "io/json_text.h"
#include "train/checkpoint.h"
#include "train/run_dir.h"

namespace ponet::train {

namespace {

constexpr const char* kVersionKey = "format_version";
constexpr const char* kCommandKey = "command";

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Options a format-1 run.json may lack, at the values such a run trained with. Format 2 also records
// --schedule and --objective, which format-1 runs could not set (they trained with "linear" and MLM + SSO).
const std::pair<const char*, nlohmann::json> kPretrainFormat1Values[] = {
    {"init", ""},
    {"mlm_weight", 1.0},
    {"sso_weight", 1.0},
    {"mask_prob", 0.15},
    {"held_out_phase", 0.0},
    {"recompute", "none"},
    {"schedule", "linear"},
    {"objective", "mlm+sso"},
    {"precision", "fp32"},
};
// `ponet finetune` format 1 did not record --log-every (a resumed run took the invocation's, 10 by
// default) and may lack the dataset fields.
const std::pair<const char*, nlohmann::json> kFinetuneFormat1Values[] = {
    {"text_field", "text"}, {"text_b_field", "text_b"}, {"label_field", "label"},
    {"log_every", 10},      {"schedule", "linear"},    {"precision", "fp32"},
};

}  // namespace

std::string run_json_path(const std::string& dir) { return dir + "/run.json"; }

std::string upgrade_command(const std::string& dir) { return "ponet upgrade-run " + dir; }

nlohmann::json read_run_json(const std::string& dir, const std::string& command) {
  const std::string path = run_json_path(dir);
  nlohmann::json j = read_json_file(path);
  PONET_CHECK(j.is_object(), path, ": expected a JSON object");
  const auto version = j.find(kVersionKey);
  PONET_CHECK(version != j.end(), path, ": a run of format 1 (no \"", kVersionKey, "\"); this ponet reads format ",
              kRunFormatVersion, ": convert it in place with: ", upgrade_command(dir));
  PONET_CHECK(version->is_number_integer(), path, ": \"", kVersionKey, "\" must be an integer, got ", version->dump());
  const int64_t v = version->get<int64_t>();
  PONET_CHECK(v >= kRunFormatVersion, path, ": a run of format ", v, "; this ponet reads format ", kRunFormatVersion,
              ": convert it in place with: ", upgrade_command(dir));
  PONET_CHECK(v == kRunFormatVersion, path, ": a run of format ", v, ", written by a newer ponet (this one reads ",
              kRunFormatVersion, ")");
  const auto writer = j.find(kCommandKey);
  PONET_CHECK(writer != j.end() && writer->is_string(), path, ": missing or malformed \"", kCommandKey, "\"");
  PONET_CHECK(command.empty() || *writer == command, dir, " is a `ponet ", writer->get<std::string>(),
              "` run, not a `ponet ", command, "` run");
  return j;
}

void write_run_json(const std::string& dir, const std::string& command, const nlohmann::json& options) {
  nlohmann::json j = options;
  j[kVersionKey] = kRunFormatVersion;
  j[kCommandKey] = command;
  io::write_file_atomically(run_json_path(dir), io::json_text(j, 2) + "\n");
}

nlohmann::json upgrade_run_json(const nlohmann::json& old, const std::string& where) {
  PONET_CHECK(old.is_object(), where, ": expected a JSON object");
  PONET_CHECK(!old.contains(kVersionKey), where, ": not a format-1 run.json (it has \"", kVersionKey, "\")");
  const bool finetune = old.value("kind", "") == "finetune";
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, value] : old.items()) {
    if (key == "kind") continue;
    std::string k = key;
    if (finetune)
      for (char& c : k)
        if (c == '-') c = '_';
    j[k] = value;
  }
  auto fill = [&](const auto& values) {
    for (const auto& [key, value] : values)
      if (!j.contains(key)) j[key] = value;
  };
  if (finetune) fill(kFinetuneFormat1Values);
  else fill(kPretrainFormat1Values);
  j[kVersionKey] = kRunFormatVersion;
  j[kCommandKey] = finetune ? "finetune" : "pretrain";
  return j;
}

std::vector<std::string> upgrade_run(const std::string& dir) {
  const std::string path = run_json_path(dir);
  const bool has_run_json = exists(path);
  PONET_CHECK(has_run_json || exists(dir + "/checkpoint.safetensors"), dir,
              ": not a ponet run directory (no run.json or checkpoint.safetensors)");
  std::vector<std::string> changed;
  for (const char* file : {"checkpoint.safetensors", "best.safetensors"}) {
    const std::string ckpt = dir + "/" + file;
    if (exists(ckpt) && upgrade_checkpoint(ckpt)) changed.push_back(ckpt + ": checkpoint format " + kCheckpointFormat);
  }
  if (has_run_json) {
    const nlohmann::json j = read_json_file(path);
    PONET_CHECK(j.is_object(), path, ": expected a JSON object");
    if (!j.contains(kVersionKey)) {
      io::write_file_atomically(path, io::json_text(upgrade_run_json(j, path), 2) + "\n");
      changed.push_back(path + ": run format " + std::to_string(kRunFormatVersion));
    }
    read_run_json(dir);  // a run.json of any format but the current one (a newer one) is reported here
  }
  return changed;
}

}  // namespace ponet::train
