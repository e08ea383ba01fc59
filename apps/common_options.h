// Options that several `ponet` commands offer under the same name, each declared and read here once.
#pragma once
#include "apps/args.h"
#include "core/device.h"
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

}  // namespace ponet::app
