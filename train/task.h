// Task: what a training step (train/step.h) trains. A task owns (or refers to) a model, draws its
// training batches, owns the objective (how the model's losses combine into the one scalar to minimise),
// and evaluates on its held-out data. The step and the trainer know nothing else about it, so a new task
// (a head, a dataset, a loss) never touches them.
//
// Metrics are ordered (name, value) lists. Names ending in "accuracy" or "f1" are fractions and are shown
// as percentages; "loss" always comes first.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "autograd/dropout_rows.h"
#include "core/rng.h"
#include "nn/model.h"
#include "train/metrics.h"

namespace ponet::train {

using Metrics = std::vector<std::pair<std::string, double>>;

double metric(const Metrics& m, const std::string& name);  // throws if absent

// Data-parallel training (dist/): this process is rank `rank` of `size` and holds rows [begin, end) of
// every global batch of B rows. Every rank draws the whole global batch from the same data Rng, so the
// batch and its masking are the same for any size, and runs the model on its rows alone.
struct Shard {
  int rank = 0, size = 1;
  int64_t begin(int64_t B) const { return B * rank / size; }
  int64_t end(int64_t B) const { return B * (rank + 1) / size; }
  // What this rank's forward passes to its dropouts, so that it draws the global batch's masks.
  DropoutRows dropout_rows(int64_t B) const { return {begin(B), B}; }
};

// What one training batch gave, for the log: in a sharded step this rank's share, and the sums over the
// ranks are the global batch's (train/data_parallel.h adds them up). With one rank, the batch's own.
struct BatchFigures {
  double loss = 0;     // the task's loss as reported (progress line, log, NaN check)
  int64_t tokens = 0;  // real tokens in the batch (tokens/s)
  std::vector<std::pair<std::string, Accuracy>> accuracies;  // pooled over the progress window
};

// A training batch through the model. The objective is the task's to define (it may weight several
// losses); in a sharded step it is this rank's share of the global batch's: the sum of this rank's
// example losses over the GLOBAL count, so the gradients summed over the ranks are the one-process ones.
struct StepResult {
  Tensor objective;  // scalar to backpropagate
  BatchFigures figures;
};

class Task {
 public:
  virtual ~Task() = default;
  virtual nn::Model& model() = 0;
  // Draws the next training batch from `data_rng` (this rank's rows of it, see Shard) and runs the model
  // on it in its current mode: the objective to backpropagate and the batch's figures.
  virtual StepResult forward_next_batch(Rng& data_rng) = 0;
  // Held-out metrics ("loss" first). Called with the model in eval mode and grad mode off.
  virtual Metrics evaluate() = 0;
  // One line for the console after an evaluation, e.g. "loss 1.2 | accuracy 55.0% (2000 examples)".
  virtual std::string describe(const Metrics& eval) const = 0;
  // Which held-out metrics the chart draws (besides the losses), and the loss panel's title.
  virtual std::vector<std::string> chart_metrics() const = 0;
  virtual std::string loss_title() const { return "loss"; }
  // Makes forward_next_batch run only this rank's rows (see Shard). Throws when the task cannot be sharded this
  // way (e.g. the batch size does not divide by shard.size).
  virtual void set_shard(const Shard& shard) = 0;
  // What the task's batch drawing remembers besides the data Rng (e.g. its place in an epoch), kept in
  // checkpoints so that a resumed run draws the same batches. Empty: nothing to keep.
  virtual std::string sampler_state() const { return ""; }
  virtual void set_sampler_state(const std::string& state);  // the default accepts only ""
};

}  // namespace ponet::train
