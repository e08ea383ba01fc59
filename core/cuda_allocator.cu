// The CUDA side of allocate_bytes and friends: the block pool of core/cuda_block_pool.h over cudaMalloc
// and cudaFree, on the process device (core/device.h). PONET_CUDA_ALLOCATOR picks caching (the default)
// or raw; it is read once, at the first CUDA allocation. Host-to-device copies go through pinned
// staging (core/cuda_host_staging.cu) so that they do not wait for the queued kernels.
#include <cstdlib>

#include "core/allocator.h"
#include "core/cuda_block_pool.h"
#include "core/cuda_check.cuh"
#include "core/memory_stats.h"

namespace ponet {

namespace {

// nullptr when the device is out of memory; any other failure (a fault left by an earlier kernel, a
// lost device) is an error naming it.
void* cuda_malloc_or_null(int device, size_t bytes) {
  PONET_CUDA_CHECK(cudaSetDevice(device));
  void* p = nullptr;
  const cudaError_t err = cudaMalloc(&p, bytes);
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // not sticky: clear it, or the next launch check would report it
    return nullptr;
  }
  PONET_CUDA_CHECK(err);
  return p;
}

// cudaFree waits for queued kernels, so no kernel still uses the block. Errors are dropped: this runs
// from destructors, possibly after the runtime has begun to shut down at exit.
void cuda_free_quietly(int, void* block) {
  if (cudaFree(block) != cudaSuccess) cudaGetLastError();
}

DeviceBlockPool& pool() {
  // Never destroyed: tensors may outlive main. A bad PONET_CUDA_ALLOCATOR throws here, at the first
  // CUDA allocation, and again at every later one.
  static DeviceBlockPool* p = new DeviceBlockPool(parse_cuda_allocator_mode(std::getenv("PONET_CUDA_ALLOCATOR")),
                                                  DeviceMemoryBackend{cuda_malloc_or_null, cuda_free_quietly});
  return *p;
}

// The memory figures never throw: with a bad PONET_CUDA_ALLOCATOR nothing was ever allocated.
DeviceBlockPool* pool_if_valid() {
  try {
    return &pool();
  } catch (const Error&) {
    return nullptr;
  }
}

}  // namespace

bool cuda_compiled() { return true; }

int cuda_device_count() {
  static const int count = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {  // no driver gives cudaErrorInsufficientDriver, not NoDevice
      cudaGetLastError();
      return 0;
    }
    return n;
  }();
  return count;
}

bool cuda_available() { return cuda_device_count() > 0; }

namespace cuda {

void* device_allocate(size_t nbytes, int device_index) {
  PONET_CHECK(cuda_available(), "allocate: no CUDA device is available");
  const int device = process_cuda_device();
  PONET_CHECK(device_index == device, "allocate: cuda:", device_index,
              " is not this process's GPU: it computes on cuda:", device, " (its local rank modulo the ",
              cuda_device_count(), " devices); use the device 'cuda', or pick a GPU with CUDA_VISIBLE_DEVICES");
  // Kernels run on the current device: make it the process device, for this thread too.
  PONET_CUDA_CHECK(cudaSetDevice(device));
  return pool().allocate(device, nbytes);
}

void device_free(void* ptr, size_t nbytes, int device_index) { pool().deallocate(device_index, ptr, nbytes); }

void device_copy(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes) {
  if (src_device.is_cpu() && staged_host_to_device(dst, src, nbytes)) return;
  cudaMemcpyKind kind = dst_device.is_cpu() ? cudaMemcpyDeviceToHost
                        : src_device.is_cpu() ? cudaMemcpyHostToDevice
                                              : cudaMemcpyDeviceToDevice;
  PONET_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, kind));
}

void device_zero(void* ptr, size_t nbytes) { PONET_CUDA_CHECK(cudaMemset(ptr, 0, nbytes)); }

MemoryStats device_memory_stats(int device_index) {
  DeviceBlockPool* p = pool_if_valid();
  return p ? p->stats(device_index) : MemoryStats{};
}

void device_reset_peak_memory(int device_index) {
  if (DeviceBlockPool* p = pool_if_valid()) p->reset_peak(device_index);
}

void device_empty_cache(int device_index) {
  if (DeviceBlockPool* p = pool_if_valid()) p->empty_cache(device_index);
}

}  // namespace cuda

void cuda_synchronize() {
  // Without a usable device there is nothing queued, and cudaDeviceSynchronize would fail (no driver).
  if (!cuda_available()) return;
  PONET_CUDA_CHECK(cudaDeviceSynchronize());
}

}  // namespace ponet
