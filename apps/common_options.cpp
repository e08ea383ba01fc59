#include "apps/common_options.h"

#include <omp.h>

#include <cstdio>

#include "core/error.h"
#include "kernels/cpu/gemm_bf16.h"

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
           "precision of the model's matrix products: fp32, or bf16 (inputs rounded to bfloat16, fp32 "
           "accumulation; weights, optimizer state and everything else stay fp32; see docs/precision.md)");
}

Precision precision_option(const Args& a, const nlohmann::json* resumed, const std::string& where) {
  Precision p = Precision::fp32;
  auto parse = [](const std::string& value, const std::string& what) {
    try {
      return parse_precision(value);
    } catch (const Error& e) {
      throw UsageError(what + ": " + e.what());
    }
  };
  if (a.is_set("precision") || resumed == nullptr) {
    p = parse(a.str("precision"), "--precision");
  } else if (const auto it = resumed->find("precision"); it != resumed->end()) {
    PONET_CHECK(it->is_string(), where, ": \"precision\" must be a string, got ", it->dump());
    p = parse(it->get<std::string>(), where);
  }
  if (p == Precision::bf16 && !cpu::cpu_has_avx512_bf16())
    std::fprintf(stderr, "note: this CPU has no AVX512_BF16; --precision bf16 runs the portable bf16 GEMM "
                         "(same results, much slower than fp32)\n");
  if (p == Precision::bf16) cpu::gemm_bf16_micro_kernel_name();  // a bad PONET_GEMM_BF16_KERNEL fails here
  return p;
}

void record_precision(nlohmann::json& run_options, Precision p) { run_options["precision"] = precision_name(p); }

}  // namespace ponet::app
