// Which training examples the next global batch holds, for the tasks that draw from a list of examples
// (train/classification_task.h, train/lra_masked_lm_task.h): every example once per epoch, reshuffled
// (data/epoch_sampler.h), or uniformly with replacement from the data Rng. Also the two rules those tasks
// share about it: what a checkpoint keeps of the draw, and which rank counts divide the batch.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "data/epoch_sampler.h"
#include "train/task.h"

namespace ponet::train {

class ExampleDraw {
 public:
  ExampleDraw(size_t count, bool epochs);  // count > 0 examples
  // The indices of the next batch_size examples (the whole global batch, the same on every rank).
  std::vector<size_t> next_batch(int64_t batch_size, Rng& data_rng);
  // What a checkpoint keeps: the epoch's place, or "" when drawing with replacement (the Rng is all).
  std::string state() const { return sampler_ ? sampler_->state_str() : ""; }
  // Restores state(); `task` names the task in the error when the checkpoint's state does not fit the draw.
  void set_state(const std::string& state, const std::string& task);

 private:
  size_t count_;
  std::optional<data::EpochSampler> sampler_;  // set when drawing in epochs
};

// Throws, naming `task`, unless the global batch of batch_size rows divides evenly over the shard's ranks.
void check_batch_divides(const Shard& shard, int64_t batch_size, const std::string& task);

}  // namespace ponet::train
