// The caching device allocator: freed blocks are kept in per-size free lists (sizes rounded up to
// 512 bytes, or to 2 MiB above 1 MiB) and handed out again, so steady-state training never calls
// cudaMalloc. Peak and current usage are tracked for the benchmarks; empty_cache (and a failed
// cudaMalloc, before its one retry) gives the cached blocks back to the driver.
#include <map>
#include <mutex>
#include <vector>

#include "core/allocator.h"
#include "core/memory_stats.h"
#include "core/cuda_check.cuh"

namespace ponet {

namespace {

struct CachingAllocator {
  std::mutex mutex;
  std::map<size_t, std::vector<void*>> free_blocks;  // rounded size -> blocks
  size_t in_use = 0, peak = 0, cached = 0;
};

CachingAllocator& allocator() {
  static CachingAllocator* a = new CachingAllocator();  // never destroyed: tensors may outlive main
  return *a;
}

size_t round_size(size_t n) {
  if (n == 0) n = 1;
  const size_t unit = n > (1u << 20) ? (2u << 20) : 512;
  return (n + unit - 1) / unit * unit;
}

// With a.mutex held. cudaFree waits for queued kernels, so no kernel still uses a freed block.
void release_cached_blocks(CachingAllocator& a) {
  for (auto& [size, blocks] : a.free_blocks)
    for (void* b : blocks) cudaFree(b);
  a.free_blocks.clear();
  a.cached = 0;
}

}  // namespace

bool cuda_compiled() { return true; }

bool cuda_available() {
  static const bool available = [] {
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {  // no driver gives cudaErrorInsufficientDriver, not NoDevice
      cudaGetLastError();
      return false;
    }
    return count > 0;
  }();
  return available;
}

namespace cuda {

void* device_allocate(size_t nbytes, int device_index) {
  PONET_CHECK(cuda_available(), "allocate: no CUDA device is available");
  PONET_CUDA_CHECK(cudaSetDevice(device_index));
  CachingAllocator& a = allocator();
  const size_t size = round_size(nbytes);
  std::lock_guard<std::mutex> lock(a.mutex);
  void* p = nullptr;
  auto it = a.free_blocks.find(size);
  if (it != a.free_blocks.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    a.cached -= size;
  } else {
    cudaError_t err = cudaMalloc(&p, size);
    if (err != cudaSuccess) {  // give the cache back to the driver and try once more
      cudaGetLastError();
      release_cached_blocks(a);
      PONET_CUDA_CHECK(cudaMalloc(&p, size));
    }
  }
  a.in_use += size;
  if (a.in_use > a.peak) a.peak = a.in_use;
  return p;
}

void device_free(void* ptr, size_t nbytes, int) {
  CachingAllocator& a = allocator();
  const size_t size = round_size(nbytes);
  std::lock_guard<std::mutex> lock(a.mutex);
  a.free_blocks[size].push_back(ptr);
  a.in_use -= size;
  a.cached += size;
}

void device_copy(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes) {
  cudaMemcpyKind kind = dst_device.is_cpu() ? cudaMemcpyDeviceToHost
                        : src_device.is_cpu() ? cudaMemcpyHostToDevice
                                              : cudaMemcpyDeviceToDevice;
  PONET_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, kind));
}

void device_zero(void* ptr, size_t nbytes) { PONET_CUDA_CHECK(cudaMemset(ptr, 0, nbytes)); }

MemoryStats device_memory_stats() {
  CachingAllocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  return {a.in_use, a.peak, a.cached};
}

void device_reset_peak_memory() {
  CachingAllocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  a.peak = a.in_use;
}

void device_empty_cache() {
  CachingAllocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  release_cached_blocks(a);
}

}  // namespace cuda

void cuda_synchronize() {
  // Without a usable device there is nothing queued, and cudaDeviceSynchronize would fail (no driver).
  if (!cuda_available()) return;
  PONET_CUDA_CHECK(cudaDeviceSynchronize());
}

}  // namespace ponet
