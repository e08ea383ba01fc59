// What a training run leaves in its directory, and how the commands load it again:
//   run.json                the options of `ponet pretrain` (so --resume and eval reuse them)
//   config.json             the model config
//   vocab.txt               the WordPiece vocabulary
//   checkpoint.safetensors  model + optimizer + step + RNG states (atomic)
//   log.jsonl, curves.svg   training log and chart
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/text_dataset.h"
#include "nn/ponet.h"
#include "nn/ponet_classification.h"
#include "text/corpus.h"
#include "text/tokenizer.h"

namespace ponet::app {

// The default corpus: the King James Bible from Debian's bible-kjv, converted once into
// runs/kjv.txt (BERT pretraining format: verses as sentences, chapters as documents).
std::string default_corpus_path();
std::string ensure_default_corpus();

nlohmann::json read_json_file(const std::string& path);

struct LoadedRun {
  nlohmann::json options;
  text::WordPieceTokenizer tokenizer;
  std::unique_ptr<nn::PoNetForPreTraining> model;
};
// Loads run.json, vocab.txt and the checkpoint of `dir` onto `device`.
LoadedRun load_run(const std::string& dir, Device device);

// A `ponet finetune` run: vocabulary, labels and the best checkpoint's classifier on `device`.
struct LoadedClassifier {
  text::WordPieceTokenizer tokenizer;
  data::LabelMap labels;
  std::unique_ptr<nn::PoNetForSequenceClassification> model;
  int64_t max_len = 0;
};
LoadedClassifier load_classifier_run(const std::string& dir, Device device);
bool is_classifier_run(const std::string& dir);

struct MaskPrediction {
  int64_t position;                                       // index in the encoded sequence
  std::vector<std::pair<std::string, float>> candidates;  // token, probability
};
// Encodes "[CLS] text [SEP]" (the literal "[MASK]" in text becomes the mask token), runs the model in
// eval mode and returns the top-k tokens at every mask position.
std::vector<MaskPrediction> predict_masks(nn::PoNetForPreTraining& model, const text::WordPieceTokenizer& tok,
                                          const std::string& text, int64_t top_k);
void print_predictions(const std::string& text, const std::vector<MaskPrediction>& predictions);

}  // namespace ponet::app
