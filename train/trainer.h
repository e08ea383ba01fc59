// The pretraining loop: batches from PretrainingData, forward + backward of MLM + SSO, gradient
// clipping, AdamW with linear warmup/decay, a progress line, periodic held-out evaluation, a JSONL
// log, a loss/accuracy chart (SVG) and atomic checkpoints from which --resume continues exactly.
#pragma once
#include <string>
#include <vector>

#include "nn/ponet.h"
#include "train/optimizer.h"
#include "train/pretraining_data.h"

namespace ponet::train {

struct TrainerOptions {
  std::string out_dir;           // log.jsonl, curves.svg, checkpoint.safetensors go here
  int64_t steps = 3000;          // total optimizer steps
  int64_t warmup_steps = 150;
  float lr = 1e-3f;
  float weight_decay = 0.01f;
  float max_grad_norm = 1.0f;
  float mlm_weight = 1.0f;        // training loss = mlm_weight * MLM + sso_weight * SSO (1, 1: the model's loss)
  float sso_weight = 1.0f;
  int64_t log_every = 10;         // progress line + JSONL record
  int64_t eval_every = 250;
  int64_t eval_batches = 8;
  int64_t checkpoint_every = 250;
  double time_limit_minutes = 0;  // > 0: stop (with a checkpoint) once this much time has passed
  int64_t stop_after = 0;         // > 0: stop (with a checkpoint) after this many steps in this call
  bool fused_mixer = true;
  bool quiet = false;
};

struct EvalResult {
  double loss = 0, mlm_loss = 0, sso_loss = 0, mlm_accuracy = 0, sso_accuracy = 0;
  int64_t mlm_count = 0, sso_count = 0;
};

struct TrainSummary {
  int64_t steps_done = 0;
  double seconds = 0;
  EvalResult final_eval;
  bool interrupted = false;   // stopped by SIGINT/SIGTERM (a checkpoint was written)
  bool stopped_early = false;  // stopped by the time or step limit (a checkpoint was written)
  std::vector<double> losses;  // training loss of every step run in this call (for resume tests)
};

class Trainer {
 public:
  // eval_batches are fixed (drawn once by the caller) so every evaluation sees the same examples.
  Trainer(nn::PoNetForPreTraining& model, PretrainingData& train_data, std::vector<Batch> eval_batches,
          TrainerOptions options, uint64_t seed);

  // Restores model, optimizer, step and RNG states from a checkpoint written by this trainer.
  void resume(const std::string& checkpoint_path);
  TrainSummary run();
  EvalResult evaluate();
  std::string checkpoint_path() const;

 private:
  void save(const std::string& path);
  void write_chart() const;

  nn::PoNetForPreTraining& model_;
  PretrainingData& train_data_;
  std::vector<Batch> eval_batches_;
  TrainerOptions options_;
  AdamW optimizer_;
  Rng data_rng_;
  int64_t step_ = 0;
};

// Throws a clear error for options the trainer cannot run with (the Trainer checks them too; the CLI
// calls this before its slower setup).
void check_options(const TrainerOptions& options);

// Turns a data batch into model inputs on `device`.
nn::PoNetInputs to_inputs(const Batch& batch);

}  // namespace ponet::train
