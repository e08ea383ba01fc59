// NcclAllReduce in a build without NCCL (or CUDA, or MPI): asking for it is an error saying what is missing.
#ifndef PONET_WITH_NCCL
#include "core/error.h"
#include "dist/communicator.h"
#include "dist/nccl_all_reduce.h"

namespace ponet::dist {

bool nccl_compiled() { return false; }

struct NcclAllReduce::State {};

NcclAllReduce::NcclAllReduce(Communicator&) {
  PONET_CHECK(false, "distributed: CUDA tensors need NCCL, and this build has none (it needs CUDA, MPI and NCCL "
                     "at configure time); train on --device cpu, or rebuild where nccl.h and libnccl are found");
}
NcclAllReduce::~NcclAllReduce() = default;
void NcclAllReduce::sum(float*, int64_t) {}

}  // namespace ponet::dist
#endif
