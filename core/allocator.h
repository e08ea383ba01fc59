// Raw memory for tensors. Both devices have a caching allocator, so that ops in a training step never
// call the system allocator: CPU memory (64-byte aligned: one cache line, a full AVX-512 vector) comes
// from core/cpu_caching_allocator.h, CUDA memory from core/cuda_allocator.cu. The contents of a new
// block are unspecified on both.
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
void* device_allocate(size_t nbytes, int device_index);
void device_free(void* ptr, size_t nbytes, int device_index);
void device_copy(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes);
void device_zero(void* ptr, size_t nbytes);
MemoryStats device_memory_stats();
void device_reset_peak_memory();
void device_empty_cache();
}  // namespace cuda
#endif

}  // namespace ponet
