// Phase 1 of `ponet lra TASK --self-pretrain STEPS` (docs/lra.md, "Self-pretraining on the task's own
// data"): masked-token pretraining of the LRA encoder on the task's own training sequences
// (nn/lra_masked_lm.h, train/lra_masked_lm_task.h), in OUT/self_pretrain/, before the usual fine-tuning
// starts from that encoder. The vocabulary gets one row for the mask id (the task's vocab_size) in both
// phases, so the fine-tuned model has the pretrained shape.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/classification_example.h"
#include "nn/lra.h"
#include "train/trainer.h"

namespace ponet::app {

// The model config with room for the mask id: vocab_size max(config's, task_vocab + 1).
nn::LraConfig with_mask_row(nn::LraConfig config, int64_t task_vocab);

struct SelfPretrainPlan {
  int64_t steps = 0;              // > 0
  float lr = 0;                   // the peak of the run's schedule kind
  float mask_prob = 0.15f;
  int64_t task_vocab = 0;         // the task's ids [0, task_vocab); the mask id is task_vocab
  int64_t batch = 0, pad_to = 0;
  bool epochs = false;            // the run's --sampling
  Precision precision = Precision::fp32;
  Device device = Device::cpu();
  uint64_t seed = 0;
  std::string dir;                // OUT/self_pretrain
};

// The trainer options of phase 1: the fine-tuning run's (schedule kind, weight decay, clip, Adam eps,
// logging) with the plan's steps and lr, the same warmup fraction, an evaluation every tenth of the
// steps, and plan.dir. Checked (train::check_options) by the caller before any directory is made.
train::TrainerOptions self_pretrain_options(const train::TrainerOptions& run, const SelfPretrainPlan& plan);

// Throws, naming the option, when phase 1 cannot run with the plan and the run's options (a bad lr, too
// few steps for the schedule); called before any directory is made.
void check_self_pretrain(const SelfPretrainPlan& plan, const train::TrainerOptions& run);

struct SelfPretrainResult {
  int64_t steps = 0;
  double seconds = 0;  // of the training (as recorded when reused)
  float lr = 0, mask_prob = 0;
  double final_mlm_accuracy = 0, final_mlm_loss = 0;  // the last held-out evaluation (dev sequences)
  bool reused = false;       // a finished phase 1 in plan.dir was loaded instead of trained
  bool interrupted = false;  // stopped by a signal: nothing was copied, no fine-tuning should follow
  nlohmann::json json() const;  // results.json's "self_pretrain"
};

// Trains phase 1 in plan.dir (or reuses the finished one there: the same steps, lr, mask probability
// and model config), writes plan.dir/results.json, and copies the encoder into `classifier`.
SelfPretrainResult self_pretrain(const nn::LraConfig& config, const std::vector<data::ClassificationExample>& train,
                                 const std::vector<data::ClassificationExample>& dev, const SelfPretrainPlan& plan,
                                 const train::TrainerOptions& run_options, nn::LraForSequenceClassification& classifier);

}  // namespace ponet::app
