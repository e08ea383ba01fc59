#include "train/run_dir.h"

#include <sys/stat.h>

#include <cstdio>

#include "core/error.h"
#include "io/atomic_file.h"
#include "text/corpus.h"
#include "train/checkpoint.h"

namespace ponet::train {

std::string default_corpus_path() { return "runs/kjv.txt"; }

std::string ensure_default_corpus() {
  const std::string path = default_corpus_path();
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && st.st_size > 0) return path;
  ::mkdir("runs", 0755);
  std::fprintf(stderr, "building the default corpus %s from the King James Bible (bible-kjv)...\n", path.c_str());
  text::write_kjv_corpus(path);
  return path;
}

nlohmann::json read_json_file(const std::string& path) {
  try {
    return nlohmann::json::parse(io::read_file(path));
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": not valid JSON: ", e.what());
  }
}

LoadedRun load_run(const std::string& dir, Device device) {
  LoadedRun run;
  run.options = read_json_file(dir + "/run.json");
  run.tokenizer = text::WordPieceTokenizer::load_vocab(dir + "/vocab.txt");
  const std::string ckpt = dir + "/checkpoint.safetensors";
  nn::PoNetConfig config = nn::PoNetConfig::from_json(checkpoint_config(ckpt), ckpt + " (config)");
  PONET_CHECK(config.vocab_size == run.tokenizer.vocab_size(), dir, ": the checkpoint's vocab_size ",
              config.vocab_size, " does not match vocab.txt (", run.tokenizer.vocab_size(), " tokens)");
  run.model = std::make_unique<nn::PoNetForPreTraining>(config, 0);
  run.model->to(device);
  load_checkpoint(ckpt, *run.model, nullptr);
  return run;
}

bool is_classifier_run(const std::string& dir) {
  struct stat st;
  return ::stat((dir + "/labels.txt").c_str(), &st) == 0;
}

LoadedClassifier load_classifier_run(const std::string& dir, Device device) {
  PONET_CHECK(is_classifier_run(dir), dir, ": not a `ponet finetune` run (no labels.txt): it holds no classifier");
  LoadedClassifier run;
  run.tokenizer = text::WordPieceTokenizer::load_vocab(dir + "/vocab.txt");
  run.labels = data::LabelMap::load(dir + "/labels.txt");
  run.max_len = read_json_file(dir + "/run.json").value("max-len", int64_t{128});
  std::string ckpt = dir + "/best.safetensors";
  struct stat st;
  if (::stat(ckpt.c_str(), &st) != 0) ckpt = dir + "/checkpoint.safetensors";
  const std::string cls = checkpoint_class(ckpt);
  PONET_CHECK(cls == "PoNetForSequenceClassification", ckpt, ": holds a ", cls, ", not a sequence classifier");
  nn::PoNetConfig config = nn::PoNetConfig::from_json(checkpoint_config(ckpt), ckpt + " (config)");
  PONET_CHECK(config.num_labels == run.labels.size(), dir, ": the checkpoint has ", config.num_labels,
              " outputs but labels.txt lists ", run.labels.size());
  run.model = std::make_unique<nn::PoNetForSequenceClassification>(config, 0);
  run.model->to(device);
  load_checkpoint(ckpt, *run.model, nullptr);
  run.model->eval();
  return run;
}

}  // namespace ponet::train
