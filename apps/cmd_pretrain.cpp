// `ponet pretrain`: corpus -> tokenizer -> MLM + SSO (or NSP, or no sentence task) batches -> Trainer,
// then sample predictions.
#include <omp.h>

#include <cstdio>
#include <iterator>
#include <sstream>

#include "apps/args.h"
#include "apps/builtin_configs.h"
#include "apps/commands.h"
#include "apps/common_options.h"
#include "apps/new_run.h"
#include "apps/predictions.h"
#include "apps/pretrain_defaults.h"
#include "apps/trainer_options.h"
#include "core/error.h"
#include "data/pretraining_data.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "text/corpus.h"
#include "train/mask_prediction.h"
#include "train/pretraining_task.h"
#include "train/run_dir.h"
#include "train/run_format.h"
#include "train/trainer.h"

namespace ponet::app {

namespace {

// The default model: apps/configs/tiny.json, which trains in minutes on 2 CPU cores (docs/pretraining.md
// says why its initializer_range is 0.05 and its dropout 0).
constexpr const char* kDefaultConfig = "tiny.json";

struct SampleSentence {
  std::string text;
  std::string word;  // the verse's own word at the [MASK], whose rank is printed ("" for none)
};

const SampleSentence kSampleSentences[] = {
    {"In the beginning God created the [MASK] and the earth.", "heaven"},
    {"And God said, Let there be [MASK]: and there was light.", "light"},
    {"The LORD is my [MASK]; I shall not want.", "shepherd"},
};

// Sentences to fill after training: fixed verses for the default corpus, else the first sentence of a few
// held-out documents with their middle word masked.
std::vector<SampleSentence> sample_sentences(const text::Corpus& corpus, const std::vector<size_t>& held, bool kjv) {
  if (kjv) return {std::begin(kSampleSentences), std::end(kSampleSentences)};
  std::vector<SampleSentence> out;
  for (size_t i = 0; i < held.size() && out.size() < 3; ++i) {
    std::istringstream words(corpus.documents[held[i]].front());
    std::vector<std::string> w{std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
    if (w.size() < 3) continue;
    w[w.size() / 2] = "[MASK]";
    std::string text;
    for (const std::string& x : w) text += (text.empty() ? "" : " ") + x;
    out.push_back({text, ""});
  }
  return out;
}

// --dump-batches: each batch as its own safetensors file, numbered from `first` (training batches count
// from 1, the step that uses them; held-out batches from 0).
void dump_batches_to(const std::string& dir, const std::string& kind, const std::vector<data::Batch>& batches,
                     int64_t first = 0) {
  io::make_directories(dir);
  for (size_t i = 0; i < batches.size(); ++i) {
    const data::Batch& b = batches[i];
    char name[64];
    std::snprintf(name, sizeof name, "/%s_%0*lld.safetensors", kind.c_str(), kind == "eval" ? 3 : 6,
                  static_cast<long long>(first + static_cast<int64_t>(i)));
    io::save_safetensors(dir + name, {{"input_ids", b.input_ids},
                                      {"attention_mask", b.attention_mask},
                                      {"token_type_ids", b.token_type_ids},
                                      {"labels", b.labels}});
  }
}

// Recorded options are what run.json holds: --resume continues with them, whatever this invocation says.
void declare(Args& a) {
  const RecordedAs string = RecordedAs::string, integer = RecordedAs::integer, number = RecordedAs::number;
  a.option("corpus", "",
           "corpus in BERT format (one sentence per line, blank line between documents); default: the King James Bible",
           string);
  a.option("out", "runs/kjv-tiny", "run directory (created; holds vocab, config, checkpoint, log, chart)");
  a.option("config", "", "model config JSON (sizes; see apps/configs/); default: apps/configs/tiny.json", string);
  a.option("init", "",
           "continue pretraining from this model: a `ponet pretrain` run or a Hugging Face PoNet/BERT directory "
           "(its config, vocabulary and weights; excludes --config and --vocab-size)",
           string);
  a.option("vocab-size", std::to_string(kPretrainVocabSize), "WordPiece vocabulary size to train", integer);
  a.option("max-len", "128", "tokens per example ([CLS] A [SEP] B [SEP] + padding)", integer);
  declare_trainer_options(a, {"3200", "100", "0.003", "0.01", "1.0", "linear", "250", "10"}, /*recorded=*/true);
  a.option("objective", "mlm+sso",
           "pretraining objective: mlm+sso (MLM + PoNet's 3-way sentence structure), mlm+nsp (MLM + BERT's "
           "next-sentence prediction; the head gets 2 outputs) or mlm (MLM alone, on in-order pairs)",
           string);
  a.option("mlm-weight", "1", "weight of the MLM loss in the training loss (0: sentence loss only, for ablations)",
           number);
  a.option("sso-weight", "1",
           "weight of the sentence loss (SSO, or NSP with --objective mlm+nsp) in the training loss (0: MLM only)",
           number);
  a.option("mask-prob", nlohmann::json(kPretrainMaskProb).dump(),
           "fraction of tokens chosen for MLM in training batches (held-out batches always use BERT's 0.15, so "
           "accuracies stay comparable)",
           number);
  declare_text_run_options(a, "examples per step");
  declare_compute_options(a);
  declare_resumable_run_options(a);
  a.flag("composed", "use the composed (op-by-op) mixer instead of the fused kernel", RecordedAs::boolean);
  a.option("dump-batches", "",
           "write every training batch and the held-out batches to this directory (batch_NNNNNN.safetensors, "
           "eval_NNN.safetensors: input_ids, attention_mask, token_type_ids, labels), to train another framework "
           "on exactly the same examples (scripts/studies/bert_side_by_side.py)");
  a.option("recompute", "none",
           "what each layer recomputes in backward instead of keeping: none, gelu, ffn or all (less memory, "
           "more time; gradients unchanged)",
           string);
}

}  // namespace

int cmd_pretrain(int argc, char** argv) {
  Args a("pretrain",
         "Pretrain a PoNet with masked language modelling + 3-way sentence structure (SSO), or with the "
         "ablation objectives MLM + next-sentence prediction (NSP) or MLM alone (--objective).");
  declare(a);
  if (!a.parse(argc, argv)) return 0;
  RunStart run = start_run(a, "pretrain", a.str("out"));
  const std::string& out = run.out;
  const bool resume = run.resume;
  const Precision precision = run.precision;
  train::TrainerOptions to = read_trainer_options(a, out);
  to.checkpoint_every = a.integer("checkpoint-every");
  train::check_options(to);  // before the corpus, vocabulary and model are built
  check_text_run_options(a);
  const double held_out = a.number("held-out");
  PONET_CHECK(a.number("mask-prob") > 0 && a.number("mask-prob") < 1, "--mask-prob must be in (0, 1), got ",
              a.number("mask-prob"));
  const nn::Recompute recompute = nn::parse_recompute(a.str("recompute"));
  const float mlm_weight = static_cast<float>(a.number("mlm-weight"));
  const float sso_weight = static_cast<float>(a.number("sso-weight"));
  PONET_CHECK(mlm_weight >= 0 && sso_weight >= 0 && mlm_weight + sso_weight > 0,
              "--mlm-weight and --sso-weight must be >= 0 and not both 0, got ", mlm_weight, " and ", sso_weight);
  train::Objective objective;
  try {
    objective = train::parse_objective(a.str("objective"));
  } catch (const Error& e) {
    fail("--objective: ", e.what());
  }
  const bool sentence_task = train::sentence_labels(objective) > 0;
  PONET_CHECK(sentence_task || (mlm_weight > 0 && sso_weight == 1), "--objective mlm has no sentence loss: "
              "--sso-weight does not apply (leave it at 1) and --mlm-weight must be positive, got ", mlm_weight,
              " and ", sso_weight);
  const std::string corpus_arg = a.str("corpus");
  const std::string corpus_path = corpus_arg.empty() ? train::ensure_default_corpus() : corpus_arg;
  text::Corpus corpus = text::read_corpus(corpus_path);
  const uint64_t seed = static_cast<uint64_t>(a.integer("seed"));

  text::WordPieceTokenizer tok;
  nn::PoNetConfig config;
  std::unique_ptr<nn::PoNetForPreTraining> initial;  // --init: the weights to start from
  if (resume) {
    tok = text::WordPieceTokenizer::load_vocab(out + "/vocab.txt");
    config = nn::PoNetConfig::from_json(io::read_file(out + "/config.json"), out + "/config.json");
  } else {
    PONET_CHECK(a.integer("vocab-size") >= 32, "--vocab-size must be at least 32");
    if (!a.str("init").empty()) {
      PONET_CHECK(a.str("config").empty() && !a.is_set("vocab-size"), "--init ", a.str("init"),
                  " brings its own config and vocabulary: --config and --vocab-size exclude it");
      train::LoadedRun from = train::load_run(a.str("init"), Device::cpu());
      tok = from.tokenizer;
      config = from.model->config();
      initial = std::move(from.model);
      PONET_CHECK(!sentence_task || config.num_sso_labels == train::sentence_labels(objective), "--objective ",
                  a.str("objective"), " needs a seq_relationship head of ", train::sentence_labels(objective),
                  " outputs, but the --init model ", a.str("init"), " has ", config.num_sso_labels);
    } else {
      // read and check the model config before the run directory and the (slower) vocabulary training
      const bool own = !a.str("config").empty();
      config = nn::PoNetConfig::from_json(own ? io::read_file(a.str("config")) : builtin_config(kDefaultConfig),
                                          own ? a.str("config") : builtin_config_where(kDefaultConfig));
    }
    const int64_t max_len = a.integer("max-len");
    PONET_CHECK(max_len >= 8 && max_len <= config.max_position_embeddings, "--max-len ", max_len,
                " must be in [8, max_position_embeddings = ", config.max_position_embeddings, "]");
    create_run_directory(out);
    if (!initial) tok = train_vocabulary(corpus, a.integer("vocab-size"));
    tok.save_vocab(out + "/vocab.txt");
    use_tokenizer_ids(config, tok);
    // the sentence head has the objective's labels (SSO 3, NSP 2); MLM alone keeps the config's
    if (sentence_task && !initial) config.num_sso_labels = train::sentence_labels(objective);
    config.validate();
    io::write_file_atomically(out + "/config.json", config.to_json() + "\n");
    write_new_run_json(a, run, "pretrain");
  }
  record_resumed_precision(a, run, "pretrain");

  data::PretrainingOptions data_opt;
  data_opt.pairs = train::sentence_pairs(objective);
  data_opt.mask_prob = static_cast<float>(kEvalMaskProb);
  data_opt.max_len = a.integer("max-len");
  data_opt.batch_size = a.integer("batch-size");
  data::PretrainingOptions train_opt = data_opt;
  train_opt.mask_prob = static_cast<float>(a.number("mask-prob"));
  auto [train_docs, held_docs] =
      data::split_documents(corpus.documents.size(), held_out, seed, a.number("held-out-phase"));
  data::PretrainingData train_data(corpus, tok, train_opt, train_docs);
  data::PretrainingData eval_data(corpus, tok, data_opt, held_docs);
  std::vector<data::Batch> eval_batches;
  Rng eval_rng(seed + 1000003);
  for (int64_t i = 0; i < a.integer("eval-batches"); ++i) eval_batches.push_back(eval_data.next_batch(eval_rng));

  nn::PoNetForPreTraining model(config, seed);
  if (initial) {  // --init: its weights (a resumed run takes them from its checkpoint instead)
    std::map<std::string, Tensor> weights;
    for (auto& [name, t] : initial->named_parameters()) weights[name] = t;
    model.load_state_dict(weights);
    initial.reset();
  }
  model.to(run.device);
  // the model family is PoNet's; its token mixer may be another (softmax attention for BERT, FNet)
  std::fprintf(stderr, "model: %lld parameters (%s mixer, hidden %lld, %lld layers, %lld heads, vocab %lld); %zu train / %zu held-out documents; device %s\n",
               static_cast<long long>(model.num_parameters()), config.mixer.c_str(), static_cast<long long>(config.hidden_size),
               static_cast<long long>(config.num_hidden_layers), static_cast<long long>(config.num_attention_heads),
               static_cast<long long>(config.vocab_size), train_docs.size(), held_docs.size(), run.device.str().c_str());
  if (precision != Precision::fp32) std::fprintf(stderr, "precision: %s GEMMs (docs/precision.md)\n", precision_name(precision));

  const std::string dump_dir = a.str("dump-batches");
  if (!dump_dir.empty()) dump_batches_to(dump_dir, "eval", eval_batches);
  // The dumping source draws the batches exactly as the task's own would, so a dumped run is the same run.
  int64_t drawn = 0;
  train::BatchSource source = [&](Rng& rng) {
    data::Batch b = train_data.next_batch(rng);
    if (!dump_dir.empty()) dump_batches_to(dump_dir, "batch", {b}, ++drawn);
    return b;
  };
  train::PretrainingTask task = dump_dir.empty()
      ? train::PretrainingTask(model, train_data, eval_batches, mlm_weight, sso_weight, !a.is_set("composed"))
      : train::PretrainingTask(model, source, data_opt.batch_size, eval_batches, mlm_weight, sso_weight,
                               !a.is_set("composed"));
  task.set_objective(objective);
  task.set_recompute(recompute);
  task.set_precision(precision);
  train::Trainer trainer(task, to, seed);
  if (resume) {
    trainer.resume(trainer.checkpoint_path());
    std::fprintf(stderr, "resumed from %s\n", trainer.checkpoint_path().c_str());
  }
  train::TrainSummary s = trainer.run();
  std::printf("trained %lld steps in %.1f s; held-out: loss %.4f, MLM accuracy %.1f%%",
              static_cast<long long>(s.steps_done), s.seconds, train::metric(s.final_eval, "loss"),
              100 * train::metric(s.final_eval, "mlm_accuracy"));
  if (sentence_task) {
    std::printf(", %s accuracy %.1f%%", train::sentence_title(objective).c_str(),
                100 * train::metric(s.final_eval, train::sentence_metric(objective) + "_accuracy"));
  }
  std::printf("\n");
  std::printf("run directory: %s (checkpoint.safetensors, log.jsonl, curves.svg)\n\n", out.c_str());
  for (const SampleSentence& sample : sample_sentences(corpus, held_docs, corpus_arg.empty())) {
    try {
      std::vector<std::string> watch;
      if (!sample.word.empty() && tok.token_to_id(sample.word) >= 0) watch.push_back(sample.word);
      print_predictions(sample.text, train::predict_masks(model, tok, sample.text, 5, watch));
    } catch (const Error& e) {  // e.g. a sentence longer than the model's positions: skip it
      std::printf("%s\n  (no prediction: %s)\n", sample.text.c_str(), e.what());
    }
  }
  return s.interrupted ? 130 : 0;
}

}  // namespace ponet::app
