// Pretraining a tiny PoNet, one step at a time: the file to read first.
//
// A WordPiece vocabulary is learned from a few hard-coded sentences; MLM + SSO batches are drawn from
// them (data/pretraining_data.h); a two-layer PoNet runs its token mixer as composed ops, global
// attention, segment and local max-pooling one op after another (nn/mixers/ponet.cpp; the fused kernel
// computes the same in one call); and the training step of `ponet pretrain` (train/step.h: batch ->
// forward -> loss -> backward -> clip -> AdamW at the scheduled learning rate) trains it. Every step
// prints its loss; the loss on fixed evaluation batches is measured before and after, and the program
// exits 1 when training did not lower it (ctest runs `--quick`; `--lr 0` shows the check failing).
//   build/example_pretrain_step [--quick] [--lr LR]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/omp_wait_policy.h"
#include "data/pretraining_data.h"
#include "nn/ponet_for_pretraining.h"
#include "text/corpus.h"
#include "text/tokenizer.h"
#include "train/optimizer.h"
#include "train/pretraining_task.h"
#include "train/step.h"

using namespace ponet;

// Documents of sentences, as a corpus file holds them (one sentence per line, a blank line between
// documents). SSO pairs consecutive sentences of one document, or a sentence with one of another.
static text::Corpus tiny_corpus() {
  text::Corpus corpus;
  corpus.documents = {
      {"the sun rises in the east", "the morning light falls on the hills", "birds sing in the tall trees",
       "the farmer walks to the field", "he plants seeds in the dark earth"},
      {"the river runs to the sea", "fish swim in the cold water", "a boat drifts down the river",
       "the fisher casts a long net", "the net comes back full of fish"},
      {"the king lives in a stone castle", "his guards stand at the gate", "the queen reads in the tower",
       "a messenger rides to the castle", "the king reads the letter at night"},
      {"the city wakes before dawn", "the bakers light their ovens", "bread is sold in the market",
       "children run to the school", "the bells ring at noon"},
      {"snow falls on the mountain", "the wind blows through the pass", "a traveller climbs the path",
       "he rests in a small hut", "at dawn he walks down to the valley"},
      {"the ship leaves the harbour", "sailors pull the heavy ropes", "the sails fill with wind",
       "the captain watches the stars", "after ten days they see the land"},
  };
  return corpus;
}

struct Options {
  bool quick = false;
  float lr = 1e-2f;
};

static Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      o.quick = true;
    } else if (std::strcmp(argv[i], "--lr") == 0 && i + 1 < argc) {
      char* end = nullptr;
      o.lr = std::strtof(argv[++i], &end);
      if (*end != '\0' || !(o.lr >= 0)) {
        std::fprintf(stderr, "--lr takes a number >= 0, got '%s'\n", argv[i]);
        std::exit(2);
      }
    } else {
      std::fprintf(stderr, "usage: %s [--quick] [--lr LR]\n", argv[0]);
      std::exit(2);
    }
  }
  return o;
}

int main(int argc, char** argv) {
  choose_omp_wait_policy(argv);  // first: on a busy machine, re-runs itself with passive OpenMP waiting
  const Options opt = parse_options(argc, argv);
  const int64_t steps = opt.quick ? 200 : 600;

  // 1. Data: sentences -> a WordPiece vocabulary -> MLM + SSO batches of 16 examples, 32 tokens each.
  const text::Corpus corpus = tiny_corpus();
  std::vector<std::string> sentences;
  std::vector<size_t> documents;
  for (size_t d = 0; d < corpus.documents.size(); ++d) {
    documents.push_back(d);
    sentences.insert(sentences.end(), corpus.documents[d].begin(), corpus.documents[d].end());
  }
  const text::WordPieceTokenizer tok = text::WordPieceTokenizer::train(sentences, 150);
  data::PretrainingOptions batches;
  batches.max_len = 32;
  batches.batch_size = 16;
  batches.mask_prob = 0.15f;
  data::PretrainingData data(corpus, tok, batches, documents);
  Rng eval_rng(1);  // fixed evaluation batches: the same sentences, masked once and kept
  const std::vector<data::Batch> eval_batches = {data.next_batch(eval_rng), data.next_batch(eval_rng)};

  // 2. The model: two post-LN blocks around the PoNet mixer, hidden size 32, the tokenizer's specials.
  nn::PoNetConfig config;
  config.vocab_size = tok.vocab_size();
  config.hidden_size = 32;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 2;
  config.intermediate_size = 64;
  config.max_position_embeddings = batches.max_len;
  config.pad_token_id = tok.pad_id();
  config.cls_token_id = tok.cls_id();
  config.sep_token_id = tok.sep_id();
  config.mask_token_id = tok.mask_id();
  nn::PoNetForPreTraining model(config, /*seed=*/0);

  // 3. The task: draws the batches and owns the objective, MLM + SSO; composed mixer ops.
  train::PretrainingTask task(model, data, eval_batches, /*mlm_weight=*/1.f, /*sso_weight=*/1.f,
                              /*fused_mixer=*/false);

  // 4. The update: AdamW, linear warmup then decay to 0, the gradient norm clipped at 1.
  train::AdamW optimizer(model.named_parameters(), {opt.lr, 0.9f, 0.999f, 1e-8f, /*weight_decay=*/0.01f});
  train::StepConfig step;
  step.lr = opt.lr;
  step.schedule = train::Schedule::linear;
  step.warmup_steps = steps / 10;
  step.total_steps = steps;
  step.max_grad_norm = 1.0f;

  // 5. Train. train_step evaluates nothing; evaluate_pretraining runs the model in eval mode, no grad.
  const double before = task.evaluate_pretraining().loss;
  std::printf("%lld parameters, vocabulary %lld, %lld steps; evaluation loss %.4f\n",
              static_cast<long long>(model.num_parameters()), static_cast<long long>(tok.vocab_size()),
              static_cast<long long>(steps), before);
  model.train();
  Rng data_rng(2);
  for (int64_t s = 0; s < steps; ++s) {
    const train::StepStats stats = train::train_step(task, optimizer, step, s, data_rng);
    std::printf("step %3lld  loss %.4f  (mlm acc %5.1f%%, sso acc %5.1f%%)  lr %.2e  grad norm %.3f\n",
                static_cast<long long>(s + 1), stats.batch.loss, 100 * stats.batch.accuracies[0].second.value(),
                100 * stats.batch.accuracies[1].second.value(), stats.lr, stats.grad_norm);
  }
  const double after = task.evaluate_pretraining().loss;

  // 6. The check: the evaluation loss must fall by a clear margin, not by the noise of masking.
  std::printf("evaluation loss %.4f -> %.4f\n", before, after);
  const bool learned = std::isfinite(after) && after < 0.8 * before;
  if (!learned) std::printf("FAIL: the evaluation loss did not fall below 80%% of its start\n");
  return learned ? 0 : 1;
}
