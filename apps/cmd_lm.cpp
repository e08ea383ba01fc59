// `ponet lm`: corpus -> tokenizer -> next-token windows -> Trainer, for a PoNet with a causal mixer
// (ponet_causal, or the softmax_causal baseline); then a short greedy sample. `ponet generate` writes with
// the run afterwards.

#include <cstdio>

#include "apps/args.h"
#include "apps/builtin_configs.h"
#include "apps/commands.h"
#include "apps/common_options.h"
#include "apps/new_run.h"
#include "apps/pretrain_defaults.h"
#include "apps/trainer_options.h"
#include "core/error.h"
#include "data/lm_data.h"
#include "data/pretraining_data.h"
#include "io/atomic_file.h"
#include "nn/incremental_mixer.h"
#include "text/corpus.h"
#include "train/causal_lm_task.h"
#include "train/run_dir.h"
#include "train/run_format.h"
#include "train/trainer.h"

namespace ponet::app {

namespace {

constexpr const char* kDefaultConfig = "tiny.json";  // apps/configs/tiny.json, as `ponet pretrain`

std::string causal_list() {
  std::string out;
  for (const std::string& n : nn::causal_mixer_names()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void declare(Args& a) {
  const RecordedAs string = RecordedAs::string, integer = RecordedAs::integer;
  a.option("corpus", "", "corpus in BERT format (one sentence per line, blank line between documents); default: the King James Bible",
           string);
  a.option("out", "runs/kjv-lm", "run directory (created; holds vocab, config, checkpoint, log, chart)");
  a.option("config", "", "model config JSON (sizes; see apps/configs/); default: apps/configs/tiny.json", string);
  a.option("mixer", "ponet_causal", "causal token mixer of every layer (replaces the config's mixer): " + causal_list(), string);
  a.option("vocab", "", "a vocab.txt to use (e.g. a `ponet pretrain` run's) instead of training one", string);
  a.option("vocab-size", std::to_string(kPretrainVocabSize), "WordPiece vocabulary size to train", integer);
  a.option("max-len", "128", "tokens per training window (at most max_position_embeddings)", integer);
  declare_trainer_options(a, {"3200", "100", "0.003", "0.01", "1.0", "linear", "250", "10"}, /*recorded=*/true);
  declare_text_run_options(a, "windows per step");
  declare_compute_options(a);
  declare_resumable_run_options(a);
}

}  // namespace

int cmd_lm(int argc, char** argv) {
  Args a("lm",
         "Train a causal language model (next-token prediction) with a causal PoNet mixer or the causal "
         "softmax baseline; `ponet generate --run DIR` writes with it.");
  declare(a);
  if (!a.parse(argc, argv)) return 0;
  RunStart run = start_run(a, "lm", a.str("out"));
  const std::string& out = run.out;
  const bool resume = run.resume;
  train::TrainerOptions to = read_trainer_options(a, out);
  to.checkpoint_every = a.integer("checkpoint-every");
  train::check_options(to);
  const std::string mixer = a.str("mixer");
  PONET_CHECK(nn::is_causal_mixer(mixer), "--mixer ", mixer,
              " is not causal: a language model must not see the tokens it predicts (causal mixers: ", causal_list(),
              ")");
  check_text_run_options(a);
  const double held_out = a.number("held-out");
  const std::string corpus_arg = a.str("corpus");
  const text::Corpus corpus = text::read_corpus(corpus_arg.empty() ? train::ensure_default_corpus() : corpus_arg);
  const uint64_t seed = static_cast<uint64_t>(a.integer("seed"));

  text::WordPieceTokenizer tok;
  nn::PoNetConfig config;
  if (resume) {
    tok = text::WordPieceTokenizer::load_vocab(out + "/vocab.txt");
    config = nn::PoNetConfig::from_json(io::read_file(out + "/config.json"), out + "/config.json");
  } else {
    const bool own = !a.str("config").empty();
    config = nn::PoNetConfig::from_json(own ? io::read_file(a.str("config")) : builtin_config(kDefaultConfig),
                                        own ? a.str("config") : builtin_config_where(kDefaultConfig));
    const int64_t max_len = a.integer("max-len");
    PONET_CHECK(max_len >= 2 && max_len <= config.max_position_embeddings, "--max-len ", max_len,
                " must be in [2, max_position_embeddings = ", config.max_position_embeddings, "]");
    create_run_directory(out);
    if (!a.str("vocab").empty()) {
      tok = text::WordPieceTokenizer::load_vocab(a.str("vocab"));
    } else {
      PONET_CHECK(a.integer("vocab-size") >= 32, "--vocab-size must be at least 32");
      tok = train_vocabulary(corpus, a.integer("vocab-size"));
    }
    tok.save_vocab(out + "/vocab.txt");
    use_tokenizer_ids(config, tok);
    config.mixer = mixer;
    config.clsgsepg = false;  // no CLS/SEP rule in a causal mixer
    config.segment_num = 0;
    config.validate();
    io::write_file_atomically(out + "/config.json", config.to_json() + "\n");
    write_new_run_json(a, run, "lm");
  }
  record_resumed_precision(a, run, "lm");

  auto [train_docs, held_docs] = data::split_documents(corpus.documents.size(), held_out, seed, a.number("held-out-phase"));
  const data::LmData train_data(corpus, tok, train_docs, a.integer("max-len"), a.integer("batch-size"));
  const data::LmData eval_data(corpus, tok, held_docs, a.integer("max-len"), a.integer("batch-size"));
  std::vector<data::LmBatch> eval_batches;
  Rng eval_rng(seed + 1000003);
  for (int64_t i = 0; i < a.integer("eval-batches"); ++i) eval_batches.push_back(eval_data.next_batch(eval_rng));

  nn::PoNetForCausalLM model(config, seed);
  model.to(run.device);
  std::fprintf(stderr,
               "causal LM (%s): %lld parameters (hidden %lld, %lld layers, %lld heads, vocab %lld); %lld train / %lld "
               "held-out tokens; device %s\n",
               config.mixer.c_str(), static_cast<long long>(model.num_parameters()),
               static_cast<long long>(config.hidden_size), static_cast<long long>(config.num_hidden_layers),
               static_cast<long long>(config.num_attention_heads), static_cast<long long>(config.vocab_size),
               static_cast<long long>(train_data.num_tokens()), static_cast<long long>(eval_data.num_tokens()),
               run.device.str().c_str());
  train::CausalLMTask task(model, train_data, eval_batches, run.precision);
  train::Trainer trainer(task, to, seed);
  if (resume) {
    trainer.resume(trainer.checkpoint_path());
    std::fprintf(stderr, "resumed from %s\n", trainer.checkpoint_path().c_str());
  }
  train::TrainSummary s = trainer.run();
  std::printf("trained %lld steps in %.1f s; held-out: loss %.4f, perplexity %.2f, next-token accuracy %.1f%%\n",
              static_cast<long long>(s.steps_done), s.seconds, train::metric(s.final_eval, "loss"),
              train::metric(s.final_eval, "perplexity"), 100 * train::metric(s.final_eval, "accuracy"));
  std::printf("run directory: %s (checkpoint.safetensors, log.jsonl, curves.svg); write with: ponet generate --run %s "
              "\"prompt\"\n",
              out.c_str(), out.c_str());
  return s.interrupted ? 130 : 0;
}

}  // namespace ponet::app
