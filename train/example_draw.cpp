#include "train/example_draw.h"

#include "core/error.h"

namespace ponet::train {

ExampleDraw::ExampleDraw(size_t count, bool epochs) : count_(count) {
  if (epochs) sampler_.emplace(count);
}

std::vector<size_t> ExampleDraw::next_batch(int64_t batch_size, Rng& data_rng) {
  std::vector<size_t> picked(static_cast<size_t>(batch_size));
  for (size_t& i : picked)
    i = sampler_ ? sampler_->next(data_rng) : static_cast<size_t>(data_rng.randint(0, static_cast<int64_t>(count_)));
  return picked;
}

void ExampleDraw::set_state(const std::string& state, const std::string& task) {
  if (!sampler_) {
    PONET_CHECK(state.empty(), task, ": the checkpoint holds a sampler state ('", state,
                "') but this run draws its batches from the data Rng alone (was it trained with other options?)");
    return;
  }
  PONET_CHECK(!state.empty(), task, ": the checkpoint holds no sampler state, but this run samples in epochs");
  sampler_->set_state_str(state);
}

void check_batch_divides(const Shard& shard, int64_t batch_size, const std::string& task) {
  PONET_CHECK(shard.size >= 1 && batch_size % shard.size == 0, task, ": the batch size ", batch_size,
              " (the global batch) must divide by the number of ranks ", shard.size);
}

}  // namespace ponet::train
