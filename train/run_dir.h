// What a training run leaves in its directory, and how the commands load it again:
//   run.json                the run's format, the command that wrote it and the options it started with
//                           (so --resume, eval and profile reuse them; train/run_format.h)
//   config.json             the model config
//   vocab.txt               the WordPiece vocabulary
//   checkpoint.safetensors  model + optimizer + step + RNG states (atomic)
//   best.safetensors        `ponet finetune`: the model of the best dev evaluation
//   labels.txt              `ponet finetune`: the label names, one per line
//   log.jsonl, curves.svg   training log and chart
// Every loader below also takes a Hugging Face model directory (config.json naming "architectures",
// model.safetensors, vocab.txt: hf/import.h, docs/interop.md): a PoNet or BERT exported by
// `ponet export` or saved by transformers' save_pretrained.
#pragma once
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "data/text_dataset.h"
#include "nn/ponet_for_pretraining.h"
#include "nn/ponet_classification.h"
#include "text/tokenizer.h"

namespace ponet::train {

// The default corpus: the King James Bible from Debian's bible-kjv, converted once into
// runs/kjv.txt (BERT pretraining format: verses as sentences, chapters as documents).
std::string default_corpus_path();
std::string ensure_default_corpus();  // builds it when missing; returns its path

// The JSON value in a file; errors name the file.
nlohmann::json read_json_file(const std::string& path);

// A `ponet pretrain` run: its options (run.json), vocabulary and checkpoint's model on `device`. Errors
// name the file; a run of an older format is refused (train/run_format.h).
struct LoadedRun {
  nlohmann::json options;
  text::WordPieceTokenizer tokenizer;
  std::unique_ptr<nn::PoNetForPreTraining> model;
};
LoadedRun load_run(const std::string& dir, Device device);

// A `ponet finetune` run: vocabulary, labels and the best checkpoint's classifier on `device`.
struct LoadedClassifier {
  text::WordPieceTokenizer tokenizer;
  data::LabelMap labels;
  std::unique_ptr<nn::PoNetForSequenceClassification> model;
  int64_t max_len = 0;
};
LoadedClassifier load_classifier_run(const std::string& dir, Device device);
// The checkpoint that holds a run's model: best.safetensors (the best dev evaluation) where the run has
// one, else checkpoint.safetensors.
std::string model_checkpoint(const std::string& dir);
// Whether the run (its model_checkpoint) or Hugging Face directory holds a sequence
// classifier (nn::is_classifier_class).
bool is_classifier_run(const std::string& dir);

}  // namespace ponet::train
