// Raw memory for tensors. Both devices have a caching allocator, so that ops in a training step never
// call the system allocator: CPU memory (64-byte aligned: one cache line, a full AVX-512 vector) comes
// from core/cpu_caching_allocator.h, CUDA memory from core/cuda_allocator.cu (on the process device,
// core/device.h). The contents of a new block are unspecified on both. PONET_CPU_ALLOCATOR=malloc and
// PONET_CUDA_ALLOCATOR=raw turn the caches off, for sanitizer runs.
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
void cpu_empty_cache();

#ifdef PONET_WITH_CUDA
namespace cuda {
// device_index must be the process device (core/device.h); anything else is an error saying so.
void* device_allocate(size_t nbytes, int device_index);
void device_free(void* ptr, size_t nbytes, int device_index);
void device_copy(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes);
void device_zero(void* ptr, size_t nbytes);
// Queues a host-to-device copy through pinned staging (core/cuda_host_staging.cu) and returns true, or
// returns false without copying (too large, or no staging memory): the caller then copies itself.
bool staged_host_to_device(void* dst, const void* src, size_t nbytes);
// The figures of one device (all zero for a device this process never allocated on).
MemoryStats device_memory_stats(int device_index);
void device_reset_peak_memory(int device_index);
void device_empty_cache(int device_index);
}  // namespace cuda
#endif

}  // namespace ponet
