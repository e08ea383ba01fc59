// Host-to-device copies that do not wait for the GPU. cudaMemcpy from ordinary (pageable) host memory
// first waits until every kernel queued before it has finished, so an upload in the middle of a step
// (labels, ids, masks) would stall the host until the GPU drains. Instead the bytes are copied into a
// pinned (page-locked) staging block and queued with cudaMemcpyAsync on the default stream, where the
// kernels that read them come after; the caller's buffer is free as soon as this returns. A block is
// reused once the event recorded after its copy has completed.
#include <cstring>
#include <mutex>
#include <vector>

#include "core/allocator.h"
#include "core/cuda_check.cuh"

namespace ponet::cuda {

namespace {

// Larger copies (weights at load time) take plain cudaMemcpy; the blocks together stay under a cap.
constexpr size_t kMaxStagedCopy = size_t(16) << 20;
constexpr size_t kMaxStagingBytes = size_t(256) << 20;
constexpr size_t kMinBlock = size_t(64) << 10;

struct StagingBlock {
  void* host = nullptr;
  size_t size = 0;
  cudaEvent_t copied = nullptr;  // recorded after the block's last copy
};

struct Staging {
  std::mutex mutex;
  std::vector<StagingBlock> blocks;
  size_t total = 0;
  bool unavailable = false;  // pinned memory was refused once: stop trying
};

Staging& staging() {
  static Staging* s = new Staging();  // never destroyed: exit hands pinned memory back
  return *s;
}

// Whether the block's last copy has finished. cudaErrorNotReady is the normal "not yet" answer, but it
// is also left as the thread's last error, which the next launch check would report: clear it.
bool copy_finished(const StagingBlock& b) {
  const cudaError_t st = cudaEventQuery(b.copied);
  if (st == cudaSuccess) return true;
  if (st == cudaErrorNotReady) {
    cudaGetLastError();
    return false;
  }
  PONET_CUDA_CHECK(st);
  return false;
}

size_t block_size_for(size_t nbytes) {
  size_t size = kMinBlock;
  while (size < nbytes) size *= 2;
  return size;
}

// A free block of at least nbytes (the smallest), or a new one; nullptr when the cap or the driver says no.
StagingBlock* free_block(Staging& s, size_t nbytes) {
  StagingBlock* best = nullptr;
  for (StagingBlock& b : s.blocks)
    if (b.size >= nbytes && (!best || b.size < best->size) && copy_finished(b)) best = &b;
  if (best || s.unavailable) return best;
  const size_t size = block_size_for(nbytes);
  if (s.total + size > kMaxStagingBytes) return nullptr;
  StagingBlock b;
  b.size = size;
  if (cudaHostAlloc(&b.host, size, cudaHostAllocDefault) != cudaSuccess) {
    cudaGetLastError();
    s.unavailable = true;
    return nullptr;
  }
  PONET_CUDA_CHECK(cudaEventCreateWithFlags(&b.copied, cudaEventDisableTiming));
  s.blocks.push_back(b);
  s.total += size;
  return &s.blocks.back();
}

}  // namespace

bool staged_host_to_device(void* dst, const void* src, size_t nbytes) {
  if (nbytes == 0 || nbytes > kMaxStagedCopy) return false;
  Staging& s = staging();
  std::lock_guard<std::mutex> lock(s.mutex);
  StagingBlock* b = free_block(s, nbytes);
  if (!b) return false;
  std::memcpy(b->host, src, nbytes);
  PONET_CUDA_CHECK(cudaMemcpyAsync(dst, b->host, nbytes, cudaMemcpyHostToDevice, 0));
  PONET_CUDA_CHECK(cudaEventRecord(b->copied, 0));
  return true;
}

}  // namespace ponet::cuda
