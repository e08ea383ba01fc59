// Epoch sampling: every example once per epoch, in a fresh random order each epoch (sampling without
// replacement, as the official LRA data pipeline and a shuffling DataLoader do), instead of drawing each
// index independently.
//
// Resumable: the state is the current epoch's seed and the position in it. The epoch's order is rebuilt
// from its seed, so a checkpoint stores two numbers, not the permutation. Each new epoch's seed is
// drawn from the caller's data Rng, so a run stays a function of its seed alone.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.h"

namespace ponet::data {

class EpochSampler {
 public:
  explicit EpochSampler(size_t count);  // count > 0 examples

  // The next example index; starts a new epoch (drawing its seed from data_rng) when one ends.
  size_t next(Rng& data_rng);
  int64_t epoch() const { return epoch_; }  // epochs started so far (the first is 1)

  std::string state_str() const;              // "epoch seed position"
  void set_state_str(const std::string& s);   // throws, naming the text, when it is not a state of this sampler

 private:
  void start_epoch(uint64_t seed);
  size_t count_;
  std::vector<size_t> order_;
  uint64_t seed_ = 0;
  size_t position_ = 0;  // next index into order_; == count_ means the epoch is used up
  int64_t epoch_ = 0;
};

}  // namespace ponet::data
