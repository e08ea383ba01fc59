#include "core/cuda_block_pool.h"

#include <cstring>

#include "core/error.h"

namespace ponet {

CudaAllocatorMode parse_cuda_allocator_mode(const char* value) {
  if (value == nullptr || value[0] == '\0' || std::strcmp(value, "caching") == 0) return CudaAllocatorMode::caching;
  if (std::strcmp(value, "raw") == 0) return CudaAllocatorMode::raw;
  fail("PONET_CUDA_ALLOCATOR='", value,
       "': expected 'caching' (the default) or 'raw' (cudaMalloc and cudaFree per tensor)");
}

size_t cuda_block_size(size_t nbytes) {
  if (nbytes == 0) nbytes = 1;
  const size_t unit = nbytes > (size_t(1) << 20) ? (size_t(2) << 20) : 512;
  return (nbytes + unit - 1) / unit * unit;
}

DeviceBlockPool::DeviceBlockPool(CudaAllocatorMode mode, DeviceMemoryBackend backend)
    : mode_(mode), backend_(std::move(backend)) {}

void DeviceBlockPool::release_cached(int device, PerDevice& d) {
  for (auto& [size, blocks] : d.free_blocks)
    for (void* b : blocks) backend_.release(device, b);
  d.free_blocks.clear();
  d.cached = 0;
}

void* DeviceBlockPool::allocate(int device, size_t nbytes) {
  const size_t size = cuda_block_size(nbytes);
  std::lock_guard<std::mutex> lock(mutex_);
  PerDevice& d = devices_[device];
  void* p = nullptr;
  if (mode_ == CudaAllocatorMode::raw) {
    p = backend_.allocate(device, nbytes == 0 ? 1 : nbytes);  // the exact size: memcheck flags the byte past it
  } else {
    auto it = d.free_blocks.find(size);
    if (it != d.free_blocks.end() && !it->second.empty()) {
      p = it->second.back();
      it->second.pop_back();
      d.cached -= size;
    } else {
      p = backend_.allocate(device, size);
      if (!p) {  // give this device's cache back and try once more
        release_cached(device, d);
        p = backend_.allocate(device, size);
      }
    }
  }
  PONET_CHECK(p != nullptr, "allocate: cuda:", device, " is out of memory asking for ", nbytes, " bytes (tensors hold ",
              d.in_use, " bytes there", mode_ == CudaAllocatorMode::raw ? "; PONET_CUDA_ALLOCATOR=raw" : "", ")");
  d.in_use += size;
  if (d.in_use > d.peak) d.peak = d.in_use;
  return p;
}

void DeviceBlockPool::deallocate(int device, void* block, size_t nbytes) noexcept {
  if (!block) return;
  const size_t size = cuda_block_size(nbytes);
  std::lock_guard<std::mutex> lock(mutex_);
  PerDevice& d = devices_[device];
  d.in_use -= size;
  if (mode_ == CudaAllocatorMode::raw) {
    backend_.release(device, block);
    return;
  }
  d.free_blocks[size].push_back(block);
  d.cached += size;
}

void DeviceBlockPool::empty_cache(int device) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = devices_.find(device);
  if (it != devices_.end()) release_cached(device, it->second);
}

MemoryStats DeviceBlockPool::stats(int device) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = devices_.find(device);
  if (it == devices_.end()) return {};
  return {it->second.in_use, it->second.peak, it->second.cached};
}

void DeviceBlockPool::reset_peak(int device) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = devices_.find(device);
  if (it != devices_.end()) it->second.peak = it->second.in_use;
}

}  // namespace ponet
