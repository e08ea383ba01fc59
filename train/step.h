// One training step, the whole of it: the task's next batch through the model to its objective,
// backward, the gradients summed over data-parallel ranks, clipped by global norm, and one AdamW update
// at the scheduled learning rate. The trainer (train/trainer.h), `ponet profile`, bench_ponet_step and
// examples/pretrain_step.cpp all run this function, so they time and train the same step.
#pragma once
#include <cstdint>

#include "core/rng.h"
#include "train/optimizer.h"
#include "train/schedule.h"
#include "train/task.h"

namespace ponet::train {

class DataParallel;  // train/data_parallel.h

struct StepConfig {
  float lr = 1e-3f;                      // the schedule's peak
  Schedule schedule = Schedule::linear;  // lr (and, for one_cycle*, Adam's beta1) against the step index
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;
  float max_grad_norm = 1.0f;  // clip the global gradient norm at this; 0: never clip (the norm is still measured)
  float beta1 = 0.9f;          // Adam's beta1 where the schedule does not cycle it
};

struct StepStats {
  BatchFigures batch;    // the global batch's loss, tokens and accuracies (summed over the ranks)
  double grad_norm = 0;  // the global gradient norm, before clipping
  float lr = 0, beta1 = 0;  // what the update used
};

// Optimizer step `step` (0-based: the schedule's index) of `task`, drawing the batch from `data_rng`.
// ranks: the data-parallel group (null: this process alone). Throws, naming the step, when the loss is
// not finite (the parameters are left as they were).
StepStats train_step(Task& task, AdamW& optimizer, const StepConfig& config, int64_t step, Rng& data_rng,
                     DataParallel* ranks = nullptr);

}  // namespace ponet::train
