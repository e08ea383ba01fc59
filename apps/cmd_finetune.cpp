// `ponet finetune`: sequence classification with PoNetForSequenceClassification, from a pretraining run
// (--init: its vocabulary, config and backbone weights; the MLM/SSO heads are dropped and a fresh
// classifier is added) or from scratch (a vocabulary trained on the training texts). Keeps the best-dev
// checkpoint and tests it at the end.
#include <omp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>

#include "apps/args.h"
#include "apps/builtin_configs.h"
#include "apps/commands.h"
#include "apps/common_options.h"
#include "apps/new_run.h"
#include "apps/trainer_options.h"
#include "autograd/grad_mode.h"
#include "core/error.h"
#include "data/kjv_divisions.h"
#include "data/text_dataset.h"
#include "io/atomic_file.h"
#include "io/json_text.h"
#include "nn/ponet_classification.h"
#include "text/corpus.h"
#include "hf/import.h"
#include "train/checkpoint.h"
#include "train/classification_task.h"
#include "train/run_dir.h"
#include "train/run_format.h"
#include "train/trainer.h"

namespace ponet::app {

namespace {

// The model without --init or --config: `ponet pretrain`'s default, apps/configs/tiny.json, so that a
// classifier trained from scratch and one fine-tuned from the default pretraining run are the same model.
constexpr const char* kScratchConfig = "tiny.json";

// Recorded options are what run.json holds: --resume continues with them, whatever this invocation says.
void declare(Args& a) {
  const RecordedAs string = RecordedAs::string, integer = RecordedAs::integer;
  a.option("train", "",
           "training file (.jsonl: {\"text\", \"label\"[, \"text_b\"]} and any other fields; .csv with a header; "
           ".tsv: label<TAB>text[<TAB>text_b] or with a header; docs/finetuning.md); "
           "without --train and --dev: the built-in KJV division task (docs/finetuning.md)",
           string);
  a.option("dev", "", "held-out file for evaluation and the best checkpoint (same formats)", string);
  declare_dataset_field_options(a, /*recorded=*/true);
  a.option("test", "", "optional test file, evaluated once with the best checkpoint at the end", string);
  a.option("out", "", "run directory (created; default for the built-in task: runs/kjv-divisions-{pretrained,scratch})");
  a.option("init", "", "a `ponet pretrain` run directory to start from", string);
  a.option("config", "", "model config JSON when training from scratch (default: apps/configs/tiny.json)", string);
  a.option("vocab-size", "4000", "WordPiece vocabulary size when training from scratch", integer);
  a.option("max-len", "128", "tokens per example ([CLS] text [SEP]); longer texts are truncated; above a pretrained "
           "model's positions, its position embeddings are tiled", integer);
  a.option("batch-size", "32", "examples per step", integer);
  declare_trainer_options(a, {"1000", "100", "0.0005", "0.01", "1.0", "linear", "100", "10"}, /*recorded=*/true);
  a.option("seed", "0", "seed for initialisation, batches and dropout", integer);
  declare_compute_options(a);
  declare_resumable_run_options(a);
}

// Row i of the result is row i mod P of `table` [P, D]: longer position tables from shorter ones.
Tensor tile_rows(const Tensor& table, int64_t rows) {
  const int64_t P = table.size(0), D = table.size(1);
  std::vector<float> src = table.to_vector(), out(rows * D);
  for (int64_t i = 0; i < rows; ++i) std::copy_n(src.begin() + (i % P) * D, D, out.begin() + i * D);
  return Tensor::from_vector(out, {rows, D});
}

// Copies the backbone ("ponet.*") of a pretraining run into the classifier, tiling the position
// embeddings when the classifier has more positions; every backbone parameter must be found.
void load_backbone(nn::PoNetForSequenceClassification& model, nn::PoNetForPreTraining& pretrained,
                   const std::string& dir) {
  const std::string positions = "ponet.embeddings.position_embeddings.weight";
  std::map<std::string, Tensor> backbone;
  for (auto& [name, t] : pretrained.named_parameters())
    if (name.rfind("ponet.", 0) == 0) backbone[name] = t;
  const int64_t wanted = model.config().max_position_embeddings;
  if (backbone.count(positions) && backbone[positions].size(0) < wanted)
    backbone[positions] = tile_rows(backbone[positions], wanted);
  size_t needed = 0;
  for (auto& [name, t] : model.named_parameters())
    if (name.rfind("ponet.", 0) == 0) {
      ++needed;
      PONET_CHECK(backbone.count(name), dir, ": the pretraining run has no parameter ", name);
    }
  PONET_CHECK(needed == backbone.size(), dir, ": backbone parameter counts differ");
  model.load_state_dict(backbone, /*strict=*/false);
}

}  // namespace

int cmd_finetune(int argc, char** argv) {
  Args a("finetune", "Fine-tune (or train from scratch) a PoNet sequence classifier on labelled texts.");
  declare(a);
  if (!a.parse(argc, argv)) return 0;
  const bool builtin_task = a.str("train").empty() && a.str("dev").empty();
  const std::string out = !a.str("out").empty() ? a.str("out")
                          : builtin_task         ? std::string("runs/kjv-divisions-") + (a.str("init").empty() ? "scratch" : "pretrained")
                                                 : "";
  PONET_CHECK(!out.empty(), "--out is required");
  RunStart run = start_run(a, "finetune", out);
  const bool resume = run.resume;
  const Precision precision = run.precision;
  if (!resume && builtin_task) {
    const std::string dir = "runs/kjv-divisions";
    struct stat st;
    if (::stat((dir + "/test.tsv").c_str(), &st) != 0) {
      data::KjvDivisionCounts n = data::write_kjv_division_task(text::read_corpus(train::ensure_default_corpus()), dir);
      std::fprintf(stderr, "built the KJV division task in %s: %zu / %zu / %zu passages\n", dir.c_str(), n.train, n.dev,
                   n.test);
    }
    a.set("train", dir + "/train.tsv");
    a.set("dev", dir + "/dev.tsv");
    if (a.str("test").empty()) a.set("test", dir + "/test.tsv");
  }
  PONET_CHECK(!a.str("train").empty() && !a.str("dev").empty(), "--train and --dev are required");
  PONET_CHECK(a.str("init").empty() || a.str("config").empty(), "--init and --config exclude each other");

  train::TrainerOptions to = read_trainer_options(a, out);
  to.checkpoint_every = a.integer("eval-every");  // the best checkpoint is chosen at every evaluation
  to.best_metric = "accuracy";
  train::check_options(to);

  // data and labels first: the cheapest checks
  std::vector<data::TextExample> train_text = data::read_text_dataset(a.str("train"), dataset_fields(a));
  std::vector<data::TextExample> dev_text = data::read_text_dataset(a.str("dev"), dataset_fields(a));
  std::vector<data::TextExample> test_text;
  if (!a.str("test").empty()) test_text = data::read_text_dataset(a.str("test"), dataset_fields(a));
  data::LabelMap labels = resume ? data::LabelMap::load(out + "/labels.txt") : data::LabelMap::from_training(train_text);
  for (const auto* split : {&dev_text, &test_text})
    for (const auto& e : *split) labels.id(e.label, e.where);  // an unseen label fails before any training

  text::WordPieceTokenizer tok;
  nn::PoNetConfig config;
  std::unique_ptr<nn::PoNetForPreTraining> pretrained;
  if (resume) {
    tok = text::WordPieceTokenizer::load_vocab(out + "/vocab.txt");
    config = nn::PoNetConfig::from_json(io::read_file(out + "/config.json"), out + "/config.json");
  } else if (!a.str("init").empty()) {
    const std::string dir = a.str("init");
    if (!hf::is_hf_directory(dir)) {  // a Hugging Face directory loads as pretraining model (train/run_dir.h)
      const std::string cls = train::checkpoint_class(dir + "/checkpoint.safetensors");
      PONET_CHECK(cls == "PoNetForPreTraining", "--init ", dir, ": expected a `ponet pretrain` run, its checkpoint holds ",
                  cls);
    }
    train::LoadedRun run = train::load_run(dir, Device::cpu());
    tok = run.tokenizer;
    config = run.model->config();
    pretrained = std::move(run.model);
  } else {
    const bool own = !a.str("config").empty();
    config = nn::PoNetConfig::from_json(own ? io::read_file(a.str("config")) : builtin_config(kScratchConfig),
                                        own ? a.str("config") : builtin_config_where(kScratchConfig));
  }
  const int64_t max_len = a.integer("max-len");
  PONET_CHECK(max_len >= 4, "--max-len ", max_len, " is too short");
  if (max_len > config.max_position_embeddings) {
    // longer than the pretrained positions: the position table is tiled (load_backbone), as the official
    // long-document fine-tuning does; from scratch the table is simply made long enough
    PONET_CHECK(pretrained || a.str("config").empty() || resume, "--max-len ", max_len,
                " exceeds max_position_embeddings ", config.max_position_embeddings, " of ", a.str("config"));
    if (!resume) config.max_position_embeddings = max_len;
  }
  PONET_CHECK(max_len <= config.max_position_embeddings, "--max-len ", max_len, " exceeds max_position_embeddings ",
              config.max_position_embeddings);
  config.num_labels = labels.size();
  if (!resume) {
    create_run_directory(out);
    if (!pretrained) {
      std::vector<std::string> texts;
      for (auto& e : train_text) {
        texts.push_back(e.text);
        if (!e.text_b.empty()) texts.push_back(e.text_b);
      }
      tok = text::WordPieceTokenizer::train(texts, a.integer("vocab-size"));
      config.vocab_size = tok.vocab_size();
      config.pad_token_id = tok.pad_id();
      config.cls_token_id = tok.cls_id();
      config.sep_token_id = tok.sep_id();
      config.mask_token_id = tok.mask_id();
    }
    config.validate();
    tok.save_vocab(out + "/vocab.txt");
    labels.save(out + "/labels.txt");
    io::write_file_atomically(out + "/config.json", config.to_json() + "\n");
    write_new_run_json(a, run, "finetune");
  }
  record_resumed_precision(a, run, "finetune");
  std::vector<data::ClassificationExample> train_set = data::encode_dataset(train_text, labels, tok, max_len);
  std::vector<data::ClassificationExample> dev_set = data::encode_dataset(dev_text, labels, tok, max_len);
  std::vector<data::ClassificationExample> test_set = data::encode_dataset(test_text, labels, tok, max_len);

  const uint64_t seed = static_cast<uint64_t>(a.integer("seed"));
  nn::PoNetForSequenceClassification model(config, seed);
  if (pretrained) load_backbone(model, *pretrained, a.str("init"));
  model.to(run.device);
  std::fprintf(stderr, "PoNet classifier: %lld parameters, %lld labels, %s; %zu train / %zu dev / %zu test examples\n",
               static_cast<long long>(model.num_parameters()), static_cast<long long>(labels.size()),
               pretrained ? ("backbone from " + a.str("init")).c_str() : "from scratch", train_set.size(), dev_set.size(),
               test_set.size());
  train::ClassificationTask task(model, train_set, dev_set, {a.integer("batch-size"), 0, true, false, precision});
  train::Trainer trainer(task, to, seed);
  if (resume) trainer.resume(trainer.checkpoint_path());
  train::TrainSummary s = trainer.run();
  if (s.interrupted || s.stopped_early) return s.interrupted ? 130 : 0;

  train::load_checkpoint(trainer.best_path(), model, nullptr);
  model.eval();
  nlohmann::json result = {{"best_dev_accuracy", s.best}, {"best_step", s.best_step}, {"labels", labels.size()},
                           {"init", a.str("init")}, {"steps", to.steps}};
  std::printf("fine-tuned %lld steps; best dev accuracy %.2f%% at step %lld\n", static_cast<long long>(to.steps),
              100 * s.best, static_cast<long long>(s.best_step));
  if (!test_set.empty()) {
    NoGrad no_grad;
    train::Metrics test = task.evaluate_on(test_set);
    for (auto& [k, v] : test) result["test_" + k] = v;
    std::printf("test (best checkpoint): %s\n", task.describe(test).c_str());
  }
  io::write_file_atomically(out + "/results.json", io::json_text(result, 2) + "\n");
  std::printf("run directory: %s (best.safetensors, checkpoint.safetensors, labels.txt, results.json, log.jsonl)\n",
              out.c_str());
  return 0;
}

}  // namespace ponet::app
