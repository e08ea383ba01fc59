// Raw memory for tensors. CPU memory is 64-byte aligned (one cache line, a full AVX-512 vector).
// CUDA memory comes from a caching allocator (core/cuda_allocator.cu) so that ops never call cudaMalloc
// on the hot path.
#pragma once
#include <cstddef>

#include "core/device.h"
#include "core/memory_stats.h"

namespace ponet {

void* allocate_bytes(size_t nbytes, Device device);
void free_bytes(void* ptr, size_t nbytes, Device device);
// Copies nbytes between any two devices (host<->device, device<->device, host<->host).
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes);
// Sets nbytes to zero.
void zero_bytes(void* ptr, size_t nbytes, Device device);

constexpr size_t kCpuAlignment = 64;

// The counters behind memory_stats() (core/memory_stats.h), which is the public way to read them.
MemoryStats cpu_memory_stats();
void cpu_reset_peak_memory();

#ifdef PONET_WITH_CUDA
namespace cuda {
void* device_allocate(size_t nbytes, int device_index);
void device_free(void* ptr, size_t nbytes, int device_index);
void device_copy(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes);
void device_zero(void* ptr, size_t nbytes);
MemoryStats device_memory_stats();
void device_reset_peak_memory();
}  // namespace cuda
#endif

}  // namespace ponet
