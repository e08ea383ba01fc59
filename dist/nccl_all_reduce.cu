// NcclAllReduce (dist/nccl_all_reduce.h): the NCCL path for CUDA tensors. Built only with CUDA + NCCL +
// MPI. It has never run on this project's builders (no GPU there): docs/distributed.md says what was and
// was not tried.
#include <cuda_runtime.h>
#include <nccl.h>

#include <cstring>
#include <string>

#include "core/cuda_check.cuh"
#include "core/device.h"
#include "core/error.h"
#include "dist/communicator.h"
#include "dist/nccl_all_reduce.h"

namespace ponet::dist {

namespace {
void check_nccl(ncclResult_t rc, const char* call) {
  PONET_CHECK(rc == ncclSuccess, "distributed: ", call, " failed: ", ncclGetErrorString(rc));
}
}  // namespace

bool nccl_compiled() { return true; }

struct NcclAllReduce::State {
  ncclComm_t comm = nullptr;
};

NcclAllReduce::NcclAllReduce(Communicator& host) : state_(std::make_unique<State>()) {
  const int count = cuda_device_count();
  PONET_CHECK(count > 0, "distributed: rank ", host.rank(), " has no CUDA device for NCCL");
  // The process device, where the allocator put the gradients: the same rule and the same function.
  device_ = process_cuda_device();
  PONET_CHECK(device_ == cuda_device_for_local_rank(host.local_rank(), count), "distributed: rank ", host.rank(),
              " computes on cuda:", device_, " but its local rank ", host.local_rank(), " maps to cuda:",
              cuda_device_for_local_rank(host.local_rank(), count), " (dist::world() must come before any CUDA work)");
  PONET_CUDA_CHECK(cudaSetDevice(device_));
  // The id is an opaque 128-byte blob; the host communicator carries it as a string.
  ncclUniqueId id;
  std::string blob;
  if (host.rank() == 0) {
    check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
    blob.assign(reinterpret_cast<const char*>(&id), sizeof id);
  }
  host.broadcast(blob, 0);
  PONET_CHECK(blob.size() == sizeof id, "distributed: the NCCL id from rank 0 has ", blob.size(), " bytes, expected ",
              sizeof id);
  std::memcpy(&id, blob.data(), sizeof id);
  check_nccl(ncclCommInitRank(&state_->comm, host.size(), id, host.rank()), "ncclCommInitRank");
}

// Runs from dist::shutdown(), before MPI_Finalize and while the CUDA runtime is up: every rank gets
// there at the end of a run, with nothing in flight (sum() waits for each all-reduce).
NcclAllReduce::~NcclAllReduce() {
  if (state_ && state_->comm) ncclCommDestroy(state_->comm);
}

void NcclAllReduce::sum(float* data, int64_t count) {
  // the default stream: every kernel that wrote the gradients ran on it, so they are complete first
  check_nccl(ncclAllReduce(data, data, static_cast<size_t>(count), ncclFloat, ncclSum, state_->comm, 0),
             "ncclAllReduce");
  PONET_CUDA_CHECK(cudaStreamSynchronize(0));
}

}  // namespace ponet::dist
