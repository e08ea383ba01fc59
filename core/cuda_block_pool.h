// The bookkeeping behind the CUDA allocator (core/cuda_allocator.cu), kept apart from the CUDA calls
// (which come in as a DeviceMemoryBackend) so that it builds and is tested without a GPU.
//
// caching (the default): a freed block goes to the free list of its (device, rounded size) and the next
// request of that device and size gets it back, so steady-state training never calls cudaMalloc. Sizes
// round up to 512 bytes, or to 2 MiB above 1 MiB. A block is never handed to another device. When the
// backend is out of memory, the device's cached blocks are given back and the request is tried once more.
// Reuse needs no event: every kernel and copy runs on the one default stream, so a later kernel on a
// reused block runs after every kernel that used it before.
//
// raw (PONET_CUDA_ALLOCATOR=raw): every tensor gets its own allocation of its exact size and gives it
// back when freed, so compute-sanitizer memcheck sees a write one element past a tensor's end, which a
// rounded, reused block hides. Slower (cudaFree waits for the device): for sanitizer runs.
#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/memory_stats.h"

namespace ponet {

enum class CudaAllocatorMode { caching, raw };

// The meaning of a PONET_CUDA_ALLOCATOR value: unset (nullptr), "" or "caching" -> caching, "raw" -> raw.
// Anything else throws ponet::Error naming the value.
CudaAllocatorMode parse_cuda_allocator_mode(const char* value);

// The block size that serves a request of nbytes in caching mode (0 counts as 1).
size_t cuda_block_size(size_t nbytes);

struct DeviceMemoryBackend {
  // A block of `bytes` on `device`, or nullptr when the device is out of memory. Other failures throw.
  std::function<void*(int device, size_t bytes)> allocate;
  // Gives a block back. Never throws.
  std::function<void(int device, void* block)> release;
};

class DeviceBlockPool {
 public:
  DeviceBlockPool(CudaAllocatorMode mode, DeviceMemoryBackend backend);
  DeviceBlockPool(const DeviceBlockPool&) = delete;
  DeviceBlockPool& operator=(const DeviceBlockPool&) = delete;

  // Throws ponet::Error naming the device and the sizes when the device has no memory left (after the
  // cache was given back).
  void* allocate(int device, size_t nbytes);
  // Takes the device and the size that allocate() was given.
  void deallocate(int device, void* block, size_t nbytes) noexcept;
  // Gives every cached block of the device back (live blocks are untouched).
  void empty_cache(int device);

  // in_use and peak count rounded sizes in both modes (so that the figures compare); cached is 0 in raw
  // mode. A device never used answers zeros.
  MemoryStats stats(int device) const;
  void reset_peak(int device);
  CudaAllocatorMode mode() const { return mode_; }

 private:
  struct PerDevice {
    std::unordered_map<size_t, std::vector<void*>> free_blocks;  // rounded size -> cached blocks
    size_t in_use = 0, peak = 0, cached = 0;
  };
  void release_cached(int device, PerDevice& d);  // with mutex_ held

  const CudaAllocatorMode mode_;
  const DeviceMemoryBackend backend_;
  mutable std::mutex mutex_;
  std::map<int, PerDevice> devices_;
};

}  // namespace ponet
