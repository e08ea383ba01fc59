// Data-parallel training over the job's ranks (dist/communicator.h; under mpirun). Every rank draws the
// same global batch and runs its rows of it (Task::set_shard, train/task.h Shard), its gradients are
// summed over the ranks in a fixed order, in buckets in parameter order, and every rank then clips and
// steps identically (train/step.h), so N ranks train the one-process model. With one rank every call
// returns at once.
#pragma once
#include <string>
#include <vector>

#include "dist/communicator.h"
#include "train/task.h"

namespace ponet::train {

class DataParallel {
 public:
  // Shards `task` over the ranks of `comm` and checks that every rank runs the same job: `settings` (the
  // run's options as text), the model config and its initial weights; a mismatch ends every rank with a
  // message naming what differs. bucket_floats: floats per gradient bucket of the CPU all-reduce.
  DataParallel(dist::Communicator& comm, Task& task, const std::string& settings, int64_t bucket_floats);

  int size() const { return comm_.size(); }
  bool is_writer_rank() const { return comm_.rank() == 0; }  // the one rank that prints and writes files
  const dist::Communicator& communicator() const { return comm_; }

  // Each rank's share of a batch's loss, tokens and accuracy counts, summed: the global batch's figures
  // on every rank.
  void sum(BatchFigures& figures);
  // Every parameter's gradient summed over the ranks, in place.
  void all_reduce_gradients(const std::vector<Tensor>& params);
  int64_t max_over_ranks(int64_t mine);  // the same decision on every rank (the stop vote)
  void barrier();

 private:
  dist::Communicator& comm_;
  int64_t bucket_floats_;
  std::vector<float> bucket_;  // the gradient bucket of the CPU all-reduce
};

}  // namespace ponet::train
