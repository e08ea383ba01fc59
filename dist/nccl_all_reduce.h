// Sums of CUDA buffers across ranks through NCCL, one GPU per rank. The NCCL communicator is bootstrapped
// through the host communicator (MPI), as llm.c does: rank 0 makes an ncclUniqueId, broadcasts its bytes,
// and every rank calls ncclCommInitRank on its process device (core/device.h: local_rank % count, the
// GPU its tensors are on). dist::shutdown() destroys it, before MPI_Finalize.
// Compiled only when the build has CUDA, NCCL and MPI (dist/nccl_all_reduce.cu); elsewhere constructing
// one throws saying so (dist/nccl_unavailable.cpp).
//
// Order: NCCL's ring/tree all-reduce adds in an order fixed by the algorithm, the rank count and the
// topology, so for one job the result is the same on every rank and from run to run, but it need not be
// bit for bit the rank-order sum of the MPI path (docs/distributed.md).
#pragma once
#include <cstdint>
#include <memory>

namespace ponet::dist {

class Communicator;

class NcclAllReduce {
 public:
  explicit NcclAllReduce(Communicator& host);
  ~NcclAllReduce();
  NcclAllReduce(const NcclAllReduce&) = delete;
  NcclAllReduce& operator=(const NcclAllReduce&) = delete;

  void sum(float* device_data, int64_t count);  // in place, on the current stream; returns when done
  int device() const { return device_; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  int device_ = 0;
};

}  // namespace ponet::dist
