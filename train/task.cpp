#include "train/task.h"

#include "core/error.h"

namespace ponet::train {

double metric(const Metrics& m, const std::string& name) {
  for (auto& [n, v] : m)
    if (n == name) return v;
  fail("metric '", name, "' was not computed");
}

void Task::set_sampler_state(const std::string& state) {
  PONET_CHECK(state.empty(), "the checkpoint holds a sampler state ('", state,
              "') but this task draws its batches from the data Rng alone (was the run trained with other options?)");
}

}  // namespace ponet::train
