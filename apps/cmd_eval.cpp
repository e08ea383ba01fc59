// `ponet eval`: held-out loss and accuracies of a run's checkpoint, on the run's own held-out split, for the
// run's pretraining objective (MLM + SSO, MLM + NSP or MLM alone).
#include <cstdio>

#include "apps/args.h"
#include "apps/commands.h"
#include "apps/common_options.h"
#include "autograd/grad_mode.h"
#include "core/error.h"
#include "data/lm_data.h"
#include "data/pretraining_data.h"
#include "hf/import.h"
#include "text/corpus.h"
#include "train/causal_lm_task.h"
#include "train/classification_task.h"
#include "train/lm_run.h"
#include "train/run_format.h"
#include "train/pretraining_task.h"
#include "train/run_dir.h"

namespace ponet::app {

namespace {

// The documents to evaluate on: all of --corpus, else the run's held-out split of its own corpus (the
// split `ponet pretrain` and `ponet lm` made from their recorded options).
std::pair<text::Corpus, std::vector<size_t>> held_out_documents(const Args& a, const nlohmann::json& options) {
  const bool own_corpus = !a.str("corpus").empty();
  std::string corpus_path = own_corpus ? a.str("corpus") : options.value("corpus", std::string());
  if (corpus_path.empty()) corpus_path = train::ensure_default_corpus();
  text::Corpus corpus = text::read_corpus(corpus_path);
  std::vector<size_t> docs;
  if (own_corpus) {
    for (size_t i = 0; i < corpus.documents.size(); ++i) docs.push_back(i);
  } else {
    docs = data::split_documents(corpus.documents.size(), options.value("held_out", 0.02),
                                  options.value("seed", uint64_t{0}), options.value("held_out_phase", 0.0))
               .second;
  }
  return {std::move(corpus), std::move(docs)};
}

int eval_classifier(const Args& a, Device device) {
  PONET_CHECK(!a.str("data").empty(), a.str("run"), " is a `ponet finetune` run: pass the labelled file with --data");
  train::LoadedClassifier run = train::load_classifier_run(a.str("run"), device);
  std::vector<data::ClassificationExample> data =
      data::encode_dataset(data::read_text_dataset(a.str("data"), dataset_fields(a)), run.labels, run.tokenizer, run.max_len);
  train::ClassificationTask task(*run.model, data, data, {32, 0, true});
  NoGrad no_grad;
  std::printf("%s\n", task.describe(task.evaluate()).c_str());
  return 0;
}

// A `ponet lm` run: loss, perplexity and next-token accuracy on windows of its held-out documents (or of
// --corpus), --batches batches of its own window length and batch size.
int eval_lm(const Args& a, Device device) {
  train::LoadedLM run = train::load_lm_run(a.str("run"), device);
  const auto [corpus, docs] = held_out_documents(a, run.options);
  const data::LmData held(corpus, run.tokenizer, docs, run.options.value("max_len", int64_t{128}),
                          run.options.value("batch_size", int64_t{32}));
  PONET_CHECK(a.integer("batches") > 0, "--batches must be positive");
  std::vector<data::LmBatch> batches;
  Rng rng(static_cast<uint64_t>(a.integer("seed")));
  for (int64_t i = 0; i < a.integer("batches"); ++i) batches.push_back(held.next_batch(rng));
  train::CausalLMTask task(*run.model, held, batches);
  std::printf("%s\n", task.describe(task.evaluate()).c_str());
  return 0;
}

}  // namespace

int cmd_eval(int argc, char** argv) {
  Args a("eval",
         "Evaluate a run's checkpoint: MLM and its sentence task (SSO or NSP, as the run trained) on held-out data, "
         "or a classifier on a labelled file.");
  a.option("run", "runs/kjv-tiny", "run directory written by `ponet pretrain`, `ponet finetune` or `ponet lm`");
  a.option("data", "", "finetune runs: the labelled file (.jsonl / .csv / .tsv) to report loss, accuracy and macro-F1 on");
  declare_dataset_field_options(a);
  a.option("corpus", "", "evaluate on this corpus instead (all its documents)");
  a.option("batches", "16", "batches to evaluate");
  a.option("seed", "12345", "seed for the masking and pairing of the evaluation batches");
  declare_device_option(a);
  if (!a.parse(argc, argv)) return 0;
  const Device device = device_option(a);
  if (!hf::is_hf_directory(a.str("run")) && train::read_run_json(a.str("run")).value("command", "") == "lm") return eval_lm(a, device);
  if (train::is_classifier_run(a.str("run"))) return eval_classifier(a, device);
  PONET_CHECK(a.str("data").empty(), "--data is for `ponet finetune` runs, and ", a.str("run"), " holds no classifier");
  train::LoadedRun run = train::load_run(a.str("run"), device);
  auto [corpus, docs] = held_out_documents(a, run.options);
  // the run's objective: its sentence pairs and the sentence metric reported (runs without one trained MLM + SSO)
  const train::Objective objective = train::parse_objective(run.options.value("objective", std::string("mlm+sso")));
  data::PretrainingOptions data_opt;
  data_opt.pairs = train::sentence_pairs(objective);
  data_opt.max_len = run.options.value("max_len", int64_t{128});
  data_opt.batch_size = run.options.value("batch_size", int64_t{32});
  data::PretrainingData data(corpus, run.tokenizer, data_opt, docs);
  PONET_CHECK(a.integer("batches") > 0, "--batches must be positive");
  std::vector<data::Batch> batches;
  Rng rng(static_cast<uint64_t>(a.integer("seed")));
  for (int64_t i = 0; i < a.integer("batches"); ++i) batches.push_back(data.next_batch(rng));
  train::PretrainingTask task(*run.model, data, batches);  // takes the objective of the data's pairs
  train::EvalResult e = task.evaluate_pretraining();
  if (train::sentence_labels(objective) == 0) {
    std::printf("loss %.4f (MLM alone) | MLM accuracy %.2f%% over %lld tokens\n", e.loss, 100 * e.mlm_accuracy,
                static_cast<long long>(e.mlm_count));
    return 0;
  }
  const std::string title = train::sentence_title(objective);
  const char* sentence = title.c_str();
  std::printf("loss %.4f (MLM %.4f + %s %.4f) | MLM accuracy %.2f%% over %lld tokens | %s accuracy %.2f%% over %lld pairs\n",
              e.loss, e.mlm_loss, sentence, e.sentence_loss, 100 * e.mlm_accuracy, static_cast<long long>(e.mlm_count),
              sentence, 100 * e.sentence_accuracy, static_cast<long long>(e.sentence_count));
  return 0;
}

}  // namespace ponet::app
