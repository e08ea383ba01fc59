// `ponet export`: a run directory as a Hugging Face model directory (hf/export.h, docs/interop.md).
#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include "apps/args.h"
#include "apps/commands.h"
#include "autograd/ops.h"
#include "core/allocator.h"
#include "core/error.h"
#include "data/text_dataset.h"
#include "train/checkpoint.h"
#include "hf/export.h"
#include "train/run_dir.h"

namespace ponet::app {

namespace {
// Every parameter (contiguous, on the CPU after load_checkpoint_model) rounded to the nearest bfloat16
// in place: the model that --dtype bf16 writes.
void round_parameters_to_bf16(nn::Model& model) {
  for (auto& [name, t] : model.named_parameters()) {
    const Tensor rounded = convert_dtype(convert_dtype(t, DType::BF16), DType::F32);
    PONET_CHECK(t.is_contiguous(), "export: parameter ", name, " is not contiguous");
    copy_bytes(t.raw_data(), t.device(), rounded.raw_data(), rounded.device(),
               static_cast<size_t>(t.numel()) * sizeof(float));
  }
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}
}  // namespace

int cmd_export(int argc, char** argv) {
  Args a("export",
         "Write a run's model as a Hugging Face directory: config.json, model.safetensors (official names), the "
         "BertTokenizer files. A softmax-mixer run is a BERT that stock transformers loads.");
  a.option("run", "runs/kjv-tiny", "run directory of `ponet pretrain`, `ponet finetune` or `ponet lra`");
  a.option("out", "", "the directory to write (created)");
  a.option("dtype", "fp32",
           "element type of model.safetensors: fp32, or bf16 (weights rounded to bfloat16, half the size; with "
           "--check the logits are those of the rounded model)");
  a.flag("check", "also write ponet_check.safetensors: a fixed batch and this model's logits (scripts/interop_check.sh)");
  if (!a.parse(argc, argv)) return 0;
  const std::string dir = a.str("run"), out = a.str("out");
  if (out.empty()) throw UsageError("--out is required");
  const std::string dtype = a.str("dtype");
  if (dtype != "fp32" && dtype != "bf16") throw UsageError("--dtype must be fp32 or bf16, got '" + dtype + "'");
  // a fine-tuning run's model is its best dev checkpoint, as `ponet classify` uses it
  const std::string ckpt = train::model_checkpoint(dir);
  PONET_CHECK(exists(ckpt), dir, ": no checkpoint.safetensors: not a run directory");
  std::unique_ptr<nn::Model> model = train::load_checkpoint_model(ckpt);
  model->eval();
  std::unique_ptr<text::WordPieceTokenizer> tok;
  if (exists(dir + "/vocab.txt")) tok = std::make_unique<text::WordPieceTokenizer>(text::WordPieceTokenizer::load_vocab(dir + "/vocab.txt"));
  hf::HfExportOptions options;
  options.tokenizer = tok.get();
  if (dtype == "bf16") {
    options.weights_dtype = DType::BF16;
    // the model the file holds is the rounded one: the check file's logits must be that model's
    round_parameters_to_bf16(*model);
  }
  if (exists(dir + "/labels.txt")) {
    const data::LabelMap labels = data::LabelMap::load(dir + "/labels.txt");
    for (int64_t i = 0; i < labels.size(); ++i) options.labels.push_back(labels.name(i));
  }
  const hf::HfExportResult r = hf::export_hf_directory(*model, out, options);
  if (a.is_set("check")) hf::write_hf_check_file(*model, out, tok.get());
  std::printf("exported %s (%s) to %s:", ckpt.c_str(), r.architecture.c_str(), out.c_str());
  for (const std::string& f : r.files) std::printf(" %s", f.c_str());
  std::printf("%s\n", a.is_set("check") ? " ponet_check.safetensors" : "");
  return 0;
}

}  // namespace ponet::app
