// Memory figures for the benchmarks: what the tensor allocator holds per device, and what the whole
// process holds (RSS, which also counts the graph, the optimizer state and everything not a tensor).
#pragma once
#include <cstddef>

#include "core/device.h"

namespace ponet {

// The same figures on both devices, each kept by its caching allocator.
struct MemoryStats {
  size_t in_use = 0;  // bytes held by live tensors (after rounding to the allocator's size classes)
  size_t peak = 0;    // high-water mark of in_use since the start or the last reset_peak_memory
  size_t cached = 0;  // bytes kept in the free lists for reuse (0 with PONET_CPU_ALLOCATOR=malloc or
                      // PONET_CUDA_ALLOCATOR=raw)
  // Bytes the allocator holds from the system: live blocks and cached ones.
  size_t reserved() const { return in_use + cached; }
};

// CPU: core/cpu_caching_allocator.h. CUDA: core/cuda_block_pool.h, per device (cuda:N answers for
// device N alone); all zero in a build without CUDA. Never throws.
MemoryStats memory_stats(Device device);
// Sets peak to the current in_use, so that the next peak measures one phase (e.g. a training step).
void reset_peak_memory(Device device);
// Gives every cached block of the device back to the system (cached becomes 0; live tensors are
// untouched). The allocators also do this by themselves, once, before reporting out of memory.
void empty_cache(Device device);

// Peak resident set size of this process (getrusage). 0 where unsupported.
size_t process_max_rss_bytes();
// Current resident set size (/proc/self/statm). 0 if that cannot be read.
size_t process_current_rss_bytes();

// Waits for all queued CUDA kernels (timing, error surfacing). A no-op when no CUDA device is usable,
// so CPU code paths may call it freely.
void cuda_synchronize();

}  // namespace ponet
