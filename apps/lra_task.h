// One task of `ponet lra TASK`: its data, model config and presets. apps/cmd_lra.cpp holds what the tasks
// share (mixer, --preset, --seed, --branches, the trainer, the run directory, results.json) and the table
// of tasks; each task is one file, apps/lra_task_<name>.cpp.
#pragma once
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/args.h"
#include "data/classification_example.h"

namespace ponet::app {

// What a preset fixes; every value is an option's default (a value given on the command line wins).
struct LraPreset {
  int64_t train, dev, test;   // examples per split (--train, --dev, --test)
  int64_t pad_to;             // every sequence is padded to this length (--pad-to)
  int64_t segment_num;        // PoNet's segment count (--segment-num)
  int64_t batch;              // --batch
  int64_t steps, warmup, eval_every;
  double lr;
};

struct LraData {
  std::vector<data::ClassificationExample> train, dev, test;
  nlohmann::json record;  // what results.json keeps about the data (seed, files, sizes)
};

struct LraTask {
  std::string name;          // the command word: ponet lra <name>
  std::string title;         // in messages: "ListOps"
  std::string model_config;  // the official model, a file of apps/configs/
  int64_t vocab_size = 0;    // the ids the data uses (the config's vocabulary is raised to it)
  int64_t num_classes = 0;
  std::map<std::string, LraPreset> presets;  // "paper", "cpu", ...
  std::function<void(Args&)> declare_options;  // the task's own data options
  // The padded length when --pad-to is not given (null: the preset's).
  std::function<int64_t(const Args&, const LraPreset&)> default_pad_to;
  // --make-data DIR: write the data files and return; null when the task reads fixed files.
  std::function<void(const Args&, const LraPreset&, const std::string& dir)> make_data;
  std::function<LraData(const Args&, const LraPreset&)> load;
};

// A split's size: --<name> when given, else the preset's.
inline int64_t lra_split_size(const Args& a, const std::string& name, int64_t preset_value) {
  return a.is_set(name) ? a.integer(name) : preset_value;
}

LraTask listops_lra_task();
LraTask image_lra_task();
LraTask pathfinder_lra_task();

}  // namespace ponet::app
