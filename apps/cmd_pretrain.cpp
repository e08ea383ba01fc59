// `ponet pretrain`: corpus -> tokenizer -> MLM + SSO batches -> Trainer, then sample predictions.
#include <omp.h>
#include <sys/stat.h>

#include <cstdio>
#include <iterator>
#include <sstream>

#include "apps/args.h"
#include "apps/commands.h"
#include "apps/run_dir.h"
#include "core/error.h"
#include "data/pretraining_data.h"
#include "io/atomic_file.h"
#include "train/pretraining_task.h"
#include "train/trainer.h"

namespace ponet::app {

namespace {

// The built-in model size (the same as apps/configs/tiny.json): trains in minutes on 2 CPU cores.
// initializer_range 0.05 instead of BERT's 0.02: at this width the [CLS] state, which PoNet updates only
// through the product GA * O, stays almost constant at 0.02 and SSO never leaves chance (docs/pretraining.md).
const char* kTinyConfig = R"({"hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2,
  "intermediate_size": 512, "max_position_embeddings": 128, "hidden_dropout_prob": 0.1,
  "initializer_range": 0.05})";

const char* kSampleSentences[] = {
    "In the beginning God created the [MASK] and the earth.",
    "And God said, Let there be [MASK]: and there was light.",
    "The LORD is my [MASK]; I shall not want.",
};

// Sentences to fill after training: fixed verses for the default corpus, else the first sentence of a few
// held-out documents with their middle word masked.
std::vector<std::string> sample_sentences(const text::Corpus& corpus, const std::vector<size_t>& held, bool kjv) {
  if (kjv) return {std::begin(kSampleSentences), std::end(kSampleSentences)};
  std::vector<std::string> out;
  for (size_t i = 0; i < held.size() && out.size() < 3; ++i) {
    std::istringstream words(corpus.documents[held[i]].front());
    std::vector<std::string> w{std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
    if (w.size() < 3) continue;
    w[w.size() / 2] = "[MASK]";
    std::string text;
    for (const std::string& x : w) text += (text.empty() ? "" : " ") + x;
    out.push_back(text);
  }
  return out;
}

void declare(Args& a) {
  a.option("corpus", "", "corpus in BERT format (one sentence per line, blank line between documents); default: the King James Bible");
  a.option("out", "runs/kjv-tiny", "run directory (created; holds vocab, config, checkpoint, log, chart)");
  a.option("config", "", "model config JSON (sizes; see apps/configs/); default: the built-in tiny config");
  a.option("vocab-size", "4000", "WordPiece vocabulary size to train");
  a.option("max-len", "128", "tokens per example ([CLS] A [SEP] B [SEP] + padding)");
  a.option("batch-size", "32", "examples per step");
  a.option("steps", "3000", "optimizer steps");
  a.option("warmup", "100", "linear warmup steps");
  a.option("lr", "0.003", "peak learning rate (AdamW)");
  a.option("weight-decay", "0.01", "decoupled weight decay (not on biases and LayerNorm)");
  a.option("clip", "1.0", "global gradient-norm clip");
  a.option("mlm-weight", "1", "weight of the MLM loss in the training loss (0: SSO only, for ablations)");
  a.option("sso-weight", "1", "weight of the SSO loss in the training loss (0: MLM only, for ablations)");
  a.option("eval-every", "250", "steps between held-out evaluations");
  a.option("eval-batches", "16", "held-out batches per evaluation");
  a.option("log-every", "10", "steps between progress lines / log records");
  a.option("checkpoint-every", "250", "steps between checkpoints");
  a.option("held-out", "0.02", "fraction of documents held out for evaluation");
  a.option("seed", "0", "seed for initialisation, data and dropout");
  declare_training_run_options(a);
  a.flag("composed", "use the composed (op-by-op) mixer instead of the fused kernel");
  a.flag("quiet", "no progress output");
}

nlohmann::json options_json(const Args& a) {
  return {{"corpus", a.str("corpus")},         {"config", a.str("config")},
          {"vocab_size", a.integer("vocab-size")}, {"max_len", a.integer("max-len")},
          {"batch_size", a.integer("batch-size")}, {"steps", a.integer("steps")},
          {"warmup", a.integer("warmup")},     {"lr", a.number("lr")},
          {"weight_decay", a.number("weight-decay")}, {"clip", a.number("clip")},
          {"mlm_weight", a.number("mlm-weight")}, {"sso_weight", a.number("sso-weight")},
          {"eval_every", a.integer("eval-every")}, {"eval_batches", a.integer("eval-batches")},
          {"log_every", a.integer("log-every")}, {"checkpoint_every", a.integer("checkpoint-every")},
          {"held_out", a.number("held-out")},  {"seed", a.integer("seed")},
          {"composed", a.is_set("composed")}};
}

template <class T>
T get(const nlohmann::json& j, const char* key, const std::string& where) {
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    fail(where, ": missing or malformed \"", key, "\"");
  }
}

// Trainer options from the run options (run.json) and this invocation's limits.
train::TrainerOptions trainer_options(const nlohmann::json& opt, const Args& a, const std::string& out,
                                      const std::string& where) {
  train::TrainerOptions to;
  to.out_dir = out;
  to.steps = get<int64_t>(opt, "steps", where);
  to.warmup_steps = get<int64_t>(opt, "warmup", where);
  to.lr = static_cast<float>(get<double>(opt, "lr", where));
  to.weight_decay = static_cast<float>(get<double>(opt, "weight_decay", where));
  to.max_grad_norm = static_cast<float>(get<double>(opt, "clip", where));
  to.eval_every = get<int64_t>(opt, "eval_every", where);
  to.log_every = get<int64_t>(opt, "log_every", where);
  to.checkpoint_every = get<int64_t>(opt, "checkpoint_every", where);
  to.time_limit_minutes = a.number("time-limit");
  to.stop_after = a.integer("stop-after");
  to.quiet = a.is_set("quiet");
  return to;
}

}  // namespace

int cmd_pretrain(int argc, char** argv) {
  Args a("pretrain", "Pretrain a PoNet with masked language modelling + 3-way sentence structure (SSO).");
  declare(a);
  if (!a.parse(argc, argv)) return 0;
  const std::string out = a.str("out");
  const bool resume = a.is_set("resume");
  const Device device = Device::parse(a.str("device"));
  PONET_CHECK(!device.is_cuda() || cuda_available(), "--device cuda: no CUDA device is available",
              cuda_compiled() ? "" : " (this build has no CUDA support)");
  apply_threads_option(a);

  nlohmann::json opt = resume ? read_json_file(out + "/run.json") : options_json(a);
  const std::string where = out + "/run.json";
  const train::TrainerOptions to = trainer_options(opt, a, out, where);
  train::check_options(to);  // before the corpus, vocabulary and model are built
  PONET_CHECK(get<int64_t>(opt, "batch_size", where) > 0, "--batch-size must be positive, got ",
              get<int64_t>(opt, "batch_size", where));
  const double held_out = get<double>(opt, "held_out", where);
  PONET_CHECK(held_out > 0 && held_out < 1, "--held-out must be in (0, 1), got ", held_out);
  PONET_CHECK(get<int64_t>(opt, "eval_batches", where) > 0, "--eval-batches must be positive");
  // run.json files from before the loss weights existed train with the plain sum
  const float mlm_weight = static_cast<float>(opt.value("mlm_weight", 1.0));
  const float sso_weight = static_cast<float>(opt.value("sso_weight", 1.0));
  PONET_CHECK(mlm_weight >= 0 && sso_weight >= 0 && mlm_weight + sso_weight > 0,
              "--mlm-weight and --sso-weight must be >= 0 and not both 0, got ", mlm_weight, " and ", sso_weight);
  const std::string corpus_arg = get<std::string>(opt, "corpus", where);
  const std::string corpus_path = corpus_arg.empty() ? ensure_default_corpus() : corpus_arg;
  text::Corpus corpus = text::read_corpus(corpus_path);
  const uint64_t seed = get<uint64_t>(opt, "seed", where);

  text::WordPieceTokenizer tok;
  nn::PoNetConfig config;
  if (resume) {
    tok = text::WordPieceTokenizer::load_vocab(out + "/vocab.txt");
    config = nn::PoNetConfig::from_json(io::read_file(out + "/config.json"), out + "/config.json");
  } else {
    PONET_CHECK(a.integer("vocab-size") >= 32, "--vocab-size must be at least 32");
    // read and check the model config before the run directory and the (slower) vocabulary training
    const std::string cfg_text = a.str("config").empty() ? std::string(kTinyConfig) : io::read_file(a.str("config"));
    config = nn::PoNetConfig::from_json(cfg_text, a.str("config").empty() ? "built-in tiny config" : a.str("config"));
    PONET_CHECK(a.integer("max-len") >= 8 && a.integer("max-len") <= config.max_position_embeddings, "--max-len ",
                a.integer("max-len"), " must be in [8, max_position_embeddings = ", config.max_position_embeddings, "]");
    ::mkdir(out.c_str(), 0755);
    struct stat st;
    PONET_CHECK(::stat(out.c_str(), &st) == 0 && S_ISDIR(st.st_mode), "cannot create run directory '", out, "'");
    PONET_CHECK(::stat((out + "/checkpoint.safetensors").c_str(), &st) != 0, "'", out,
                "' already holds a run: pass --resume to continue it or choose another --out");
    std::vector<std::string> texts;
    for (auto& doc : corpus.documents)
      for (auto& s : doc) texts.push_back(s);
    std::fprintf(stderr, "training a %lld-token WordPiece vocabulary on %zu sentences...\n",
                 static_cast<long long>(a.integer("vocab-size")), texts.size());
    tok = text::WordPieceTokenizer::train(texts, a.integer("vocab-size"));
    tok.save_vocab(out + "/vocab.txt");
    config.vocab_size = tok.vocab_size();
    config.pad_token_id = tok.pad_id();
    config.cls_token_id = tok.cls_id();
    config.sep_token_id = tok.sep_id();
    config.mask_token_id = tok.mask_id();
    config.validate();
    io::write_file_atomically(out + "/config.json", config.to_json() + "\n");
    io::write_file_atomically(out + "/run.json", opt.dump(2) + "\n");
  }

  data::PretrainingOptions data_opt;
  data_opt.max_len = get<int64_t>(opt, "max_len", where);
  data_opt.batch_size = get<int64_t>(opt, "batch_size", where);
  auto [train_docs, held_docs] = data::split_documents(corpus.documents.size(), get<double>(opt, "held_out", where), seed);
  data::PretrainingData train_data(corpus, tok, data_opt, train_docs);
  data::PretrainingData eval_data(corpus, tok, data_opt, held_docs);
  std::vector<data::Batch> eval_batches;
  Rng eval_rng(seed + 1000003);
  for (int64_t i = 0; i < get<int64_t>(opt, "eval_batches", where); ++i) eval_batches.push_back(eval_data.next_batch(eval_rng));

  nn::PoNetForPreTraining model(config, seed);
  model.to(device);
  std::fprintf(stderr, "PoNet: %lld parameters (hidden %lld, %lld layers, %lld heads, vocab %lld); %zu train / %zu held-out documents; device %s\n",
               static_cast<long long>(model.num_parameters()), static_cast<long long>(config.hidden_size),
               static_cast<long long>(config.num_hidden_layers), static_cast<long long>(config.num_attention_heads),
               static_cast<long long>(config.vocab_size), train_docs.size(), held_docs.size(), device.str().c_str());

  train::PretrainingTask task(model, train_data, eval_batches, mlm_weight, sso_weight,
                              !get<bool>(opt, "composed", where));
  train::Trainer trainer(task, to, seed);
  if (resume) {
    trainer.resume(trainer.checkpoint_path());
    std::fprintf(stderr, "resumed from %s\n", trainer.checkpoint_path().c_str());
  }
  train::TrainSummary s = trainer.run();
  std::printf("trained %lld steps in %.1f s; held-out: loss %.4f, MLM accuracy %.1f%%, SSO accuracy %.1f%%\n",
              static_cast<long long>(s.steps_done), s.seconds, train::metric(s.final_eval, "loss"),
              100 * train::metric(s.final_eval, "mlm_accuracy"), 100 * train::metric(s.final_eval, "sso_accuracy"));
  std::printf("run directory: %s (checkpoint.safetensors, log.jsonl, curves.svg)\n\n", out.c_str());
  for (const std::string& text : sample_sentences(corpus, held_docs, corpus_arg.empty())) {
    try {
      print_predictions(text, predict_masks(model, tok, text, 5));
    } catch (const Error& e) {  // e.g. a sentence longer than the model's positions: skip it
      std::printf("%s\n  (no prediction: %s)\n", text.c_str(), e.what());
    }
  }
  return s.interrupted ? 130 : 0;
}

}  // namespace ponet::app
