// Usage figures of the caching device allocator (all zero in a build without CUDA).
#pragma once
#include <cstddef>

namespace ponet {

struct CudaMemoryStats {
  size_t in_use = 0;  // bytes handed to live tensors
  size_t peak = 0;    // high-water mark of in_use since the last reset
  size_t cached = 0;  // bytes held in the free lists
};

CudaMemoryStats cuda_memory_stats();
void cuda_reset_peak_memory();
void cuda_synchronize();  // waits for all queued kernels (timing, error surfacing)

}  // namespace ponet
