#include "apps/common_options.h"

#include <omp.h>

#include "core/error.h"

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

}  // namespace ponet::app
