// Options that several `ponet` commands offer under the same name, each declared and read here once.
#pragma once
#include <nlohmann/json.hpp>

#include "apps/args.h"
#include "core/device.h"
#include "core/precision.h"
#include "data/text_dataset.h"

namespace ponet::app {

// --device: cpu, cuda or cuda:N (default cpu), and --tf32 (CUDA fp32 GEMMs on TF32 tensor cores).
void declare_device_option(Args& a);
// The --device value, checked before any work: an unknown name, or a CUDA device where none is
// available (no device, or a build without CUDA), is an error saying which. Applies --tf32, which
// needs a CUDA device.
Device device_option(const Args& a);

// --threads: OpenMP threads (default 0: all cores).
void declare_threads_option(Args& a);
// Applies --threads; a count outside [0, 4096] is a usage error.
void apply_threads_option(const Args& a);

// --text-field, --text-b-field, --label-field: the columns of a labelled dataset (data/text_dataset.h);
// recorded in run.json when `recorded` (finetune), so --resume reads the files the same way.
void declare_dataset_field_options(Args& a, bool recorded = false);
data::DatasetFields dataset_fields(const Args& a);

// --precision fp32|bf16: the precision of the model's GEMMs (core/precision.h, docs/precision.md).
void declare_precision_option(Args& a);
// The --precision value; a bad value is a usage error naming it. A training command records it in
// run.json under "precision" (record_precision) and a resumed run takes the recorded one unless
// --precision is given again (then run.json is rewritten to say so): pass the run's run.json and its
// path as `resumed` / `where` (null when not resuming; a run.json without the key trained in fp32).
// bf16 on a CPU without AVX512_BF16 prints one line saying the portable (slow) kernel runs.
Precision precision_option(const Args& a, const nlohmann::json* resumed = nullptr, const std::string& where = "");
void record_precision(nlohmann::json& run_options, Precision p);

// --device, --precision and --threads: where and how a training or timing command computes.
void declare_compute_options(Args& a);

// What every training command reads first, in one order: --resume with the recorded options of the run
// in `out` (its run.json, written by `command`), --device, --threads and --precision (resolved once).
struct RunStart {
  std::string out;
  bool resume = false;
  Device device;
  nlohmann::json run_json;  // the resumed run's run.json; null when the run starts here
  Precision precision = Precision::fp32;
};
RunStart start_run(Args& a, const std::string& command, const std::string& out);
// Writes run.json of a run that starts here: the recorded options and the resolved precision.
void write_new_run_json(const Args& a, const RunStart& run, const std::string& command);
// A --precision named on --resume: the run continues in it, and its run.json says so from here on.
void record_resumed_precision(const Args& a, RunStart& run, const std::string& command);

}  // namespace ponet::app
