#include "apps/new_run.h"

#include <sys/stat.h>

#include <cstdio>
#include <vector>

#include "core/error.h"
#include "data/pretraining_data.h"
#include "io/atomic_file.h"

namespace ponet::app {

void create_run_directory(const std::string& out) {
  io::make_directories(out);
  struct stat st;
  PONET_CHECK(::stat((out + "/checkpoint.safetensors").c_str(), &st) != 0, "'", out,
              "' already holds a run: pass --resume to continue it or choose another --out");
}

text::WordPieceTokenizer train_vocabulary(const text::Corpus& corpus, int64_t size) {
  std::vector<std::string> texts;
  for (auto& doc : corpus.documents)
    for (auto& s : doc) texts.push_back(s);
  std::fprintf(stderr, "training a %lld-token WordPiece vocabulary on %zu sentences...\n",
               static_cast<long long>(size), texts.size());
  return text::WordPieceTokenizer::train(texts, size);
}

void use_tokenizer_ids(nn::PoNetConfig& config, const text::WordPieceTokenizer& tok) {
  config.vocab_size = tok.vocab_size();
  config.pad_token_id = tok.pad_id();
  config.cls_token_id = tok.cls_id();
  config.sep_token_id = tok.sep_id();
  config.mask_token_id = tok.mask_id();
}

void declare_text_run_options(Args& a, const std::string& batch_help) {
  const RecordedAs integer = RecordedAs::integer, number = RecordedAs::number;
  a.option("batch-size", "32", batch_help, integer);
  a.option("eval-batches", "16", "held-out batches per evaluation", integer);
  a.option("checkpoint-every", "250", "steps between checkpoints", integer);
  a.option("held-out", "0.02", "fraction of documents held out for evaluation", number);
  a.option("held-out-phase", nlohmann::json(data::kPretrainHeldOutPhase).dump(),
           "which document of every 1/held-out is held out, as a fraction in [0, 1) (plus the seed)", number);
  a.option("seed", "0", "seed for initialisation, data and dropout", integer);
}

void check_text_run_options(const Args& a) {
  PONET_CHECK(a.integer("batch-size") > 0, "--batch-size must be positive, got ", a.integer("batch-size"));
  const double held_out = a.number("held-out"), phase = a.number("held-out-phase");
  PONET_CHECK(held_out > 0 && held_out < 1, "--held-out must be in (0, 1), got ", held_out);
  PONET_CHECK(phase >= 0 && phase < 1, "--held-out-phase must be in [0, 1), got ", phase);
  PONET_CHECK(a.integer("eval-batches") > 0, "--eval-batches must be positive, got ", a.integer("eval-batches"));
}

}  // namespace ponet::app
