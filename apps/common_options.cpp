#include "apps/common_options.h"

#include <omp.h>

#include <cstdio>

#include "core/error.h"
#include "kernels/cpu/gemm_bf16.h"
#include "train/precision_choice.h"
#include "train/run_format.h"

namespace ponet::app {

void declare_device_option(Args& a) {
  a.option("device", "cpu", "cpu, cuda or cuda:N");
  a.flag("tf32", "with --device cuda: fp32 GEMMs may use TF32 tensor cores (default off, as in PyTorch; "
                 "PONET_CUDA_TF32=1 sets the same)");
}

Device device_option(const Args& a) {
  const Device device = Device::parse(a.str("device"));
  PONET_CHECK(!device.is_cuda() || cuda_available(), "--device ", a.str("device"), ": no CUDA device is available",
              cuda_compiled() ? "" : " (this build has no CUDA support)");
  if (a.is_set("tf32")) {
    // TF32 only changes cuBLAS's fp32 GEMMs: on the CPU the flag would be silently without effect
    PONET_CHECK(device.is_cuda(), "--tf32 applies to CUDA GEMMs, but --device is ", a.str("device"));
    set_cuda_tf32(true);
  }
  return device;
}

void declare_threads_option(Args& a) { a.option("threads", "0", "OpenMP threads (0: all cores)"); }

void apply_threads_option(const Args& a) {
  const int64_t n = a.integer("threads");
  if (n < 0 || n > 4096) throw UsageError("--threads must be in [0, 4096] (0: all cores), got " + std::to_string(n));
  if (n > 0) omp_set_num_threads(static_cast<int>(n));
}

void declare_dataset_field_options(Args& a, bool recorded) {
  const data::DatasetFields d;
  const RecordedAs as = recorded ? RecordedAs::string : RecordedAs::none;
  a.option("text-field", d.text, "the JSONL field / CSV or TSV header column holding the text", as);
  a.option("text-b-field", d.text_b, "... holding the optional second text of a pair", as);
  a.option("label-field", d.label, "... holding the label (a string, integer or boolean)", as);
}

data::DatasetFields dataset_fields(const Args& a) {
  return {a.str("text-field"), a.str("text-b-field"), a.str("label-field")};
}

void declare_precision_option(Args& a) {
  a.option("precision", "fp32",
           "precision of the model's matrix products: fp32, bf16 (inputs rounded to bfloat16, fp32 "
           "accumulation; weights, optimizer state and everything else stay fp32; see docs/precision.md), or auto "
           "(bf16 where this CPU's bf16 GEMM is measured clearly faster, else fp32; the choice is printed and "
           "recorded)");
}

Precision precision_option(const Args& a, const nlohmann::json* resumed, const std::string& where) {
  const auto recorded = resumed ? resumed->find("precision") : nlohmann::json::const_iterator();
  const bool has_recorded = resumed && recorded != resumed->end();
  if (has_recorded) PONET_CHECK(recorded->is_string(), where, ": \"precision\" must be a string, got ", recorded->dump());
  std::string value = a.str("precision");
  if (value != "fp32" && value != "bf16" && value != "auto")
    throw UsageError("--precision '" + value + "': expected fp32, bf16 or auto");
  // a resumed run keeps its recorded precision unless another is named (auto chose once, when it started)
  if (has_recorded && (!a.is_set("precision") || value == "auto")) value = recorded->get<std::string>();
  Precision p = Precision::fp32;
  if (value == "auto") {
    // measured on the default model's largest GEMM (32 x 128 tokens, hidden 128, FFN 512)
    const train::PrecisionChoice choice = train::choose_precision_for_this_cpu(4096, 128, 512);
    std::fprintf(stderr, "precision auto: %s\n", choice.reason.c_str());
    p = choice.precision;
  } else {
    p = parse_precision(value);  // a bad recorded value fails here, naming it
  }
  if (p == Precision::bf16) {
    const char* kernel = cpu::gemm_bf16_micro_kernel_name();  // a bad PONET_GEMM_BF16_KERNEL fails here
    if (!cpu::cpu_has_avx512_bf16())
      std::fprintf(stderr, "note: this CPU has no AVX512_BF16; bf16 runs the %s bf16 GEMM kernel (same results, "
                           "slower than fp32)\n", kernel);
  }
  return p;
}

void record_precision(nlohmann::json& run_options, Precision p) { run_options["precision"] = precision_name(p); }

void declare_compute_options(Args& a) {
  declare_device_option(a);
  declare_precision_option(a);
  declare_threads_option(a);
}

RunStart start_run(Args& a, const std::string& command, const std::string& out) {
  RunStart run;
  run.out = out;
  run.resume = a.is_set("resume");
  run.device = device_option(a);
  apply_threads_option(a);
  if (run.resume) {
    run.run_json = train::read_run_json(out, command);
    a.load_recorded(run.run_json, train::run_json_path(out));
  }
  run.precision = precision_option(a, run.resume ? &run.run_json : nullptr, train::run_json_path(out));
  return run;
}

void write_new_run_json(const Args& a, const RunStart& run, const std::string& command) {
  nlohmann::json recorded = a.recorded_json();
  record_precision(recorded, run.precision);
  train::write_run_json(run.out, command, recorded);
}

void record_resumed_precision(const Args& a, RunStart& run, const std::string& command) {
  if (!run.resume || !a.is_set("precision")) return;
  record_precision(run.run_json, run.precision);
  train::write_run_json(run.out, command, run.run_json);
}

}  // namespace ponet::app
