// The first steps every new text run takes (`ponet pretrain`, `ponet lm`): the run directory, a WordPiece
// vocabulary trained on the corpus, and the tokenizer's special ids written into the model config.
#pragma once
#include <cstdint>
#include <string>

#include "apps/args.h"
#include "nn/ponet_config.h"
#include "text/corpus.h"
#include "text/tokenizer.h"

namespace ponet::app {

// Creates `out` (or takes an empty one); refuses a directory that already holds a run.
void create_run_directory(const std::string& out);

// Trains a vocabulary of `size` tokens on every sentence of the corpus, saying so on stderr (it takes a while).
text::WordPieceTokenizer train_vocabulary(const text::Corpus& corpus, int64_t size);

// The vocabulary size and the [PAD], [CLS], [SEP], [MASK] ids of `tok`, into `config`.
void use_tokenizer_ids(nn::PoNetConfig& config, const text::WordPieceTokenizer& tok);

// --batch-size, --eval-batches, --checkpoint-every, --held-out, --held-out-phase and --seed, recorded in
// run.json: the batch, held-out split and cadence of a text run. `batch_help` says what a batch holds.
void declare_text_run_options(Args& a, const std::string& batch_help);
// Checks them before any work; a bad value is an error naming it (--checkpoint-every is the trainer's
// to check, with the rest of TrainerOptions: train::check_options).
void check_text_run_options(const Args& a);

}  // namespace ponet::app
