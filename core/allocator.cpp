#include "core/allocator.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/error.h"

namespace ponet {

namespace {

// Host bytes held by live tensors, counted after rounding (what aligned_alloc was asked for).
// Atomic because nothing keeps tensors on one thread (they may be dropped inside an OpenMP region).
std::atomic<size_t> cpu_in_use{0}, cpu_peak{0};

size_t cpu_rounded_size(size_t nbytes) {
  // aligned_alloc needs a size that is a multiple of the alignment, and at least one byte.
  const size_t rounded = ((nbytes + kCpuAlignment - 1) / kCpuAlignment) * kCpuAlignment;
  return rounded == 0 ? kCpuAlignment : rounded;
}

}  // namespace

MemoryStats cpu_memory_stats() { return {cpu_in_use.load(), cpu_peak.load(), 0}; }

void cpu_reset_peak_memory() { cpu_peak.store(cpu_in_use.load()); }

void* allocate_bytes(size_t nbytes, Device device) {
  if (device.is_cuda()) {
#ifdef PONET_WITH_CUDA
    return cuda::device_allocate(nbytes, device.index);
#else
    fail("allocate: this build has no CUDA support (device ", device.str(), ")");
#endif
  }
  const size_t rounded = cpu_rounded_size(nbytes);
  void* p = std::aligned_alloc(kCpuAlignment, rounded);
  if (!p) fail("allocate: out of host memory asking for ", nbytes, " bytes");
  const size_t now = cpu_in_use.fetch_add(rounded) + rounded;
  size_t peak = cpu_peak.load();
  while (now > peak && !cpu_peak.compare_exchange_weak(peak, now)) {
  }
  return p;
}

void free_bytes(void* ptr, size_t nbytes, Device device) {
  if (!ptr) return;
  if (device.is_cuda()) {
#ifdef PONET_WITH_CUDA
    cuda::device_free(ptr, nbytes, device.index);
#endif
    return;
  }
  cpu_in_use.fetch_sub(cpu_rounded_size(nbytes));
  std::free(ptr);
}

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes) {
  if (nbytes == 0) return;
  if (dst_device.is_cpu() && src_device.is_cpu()) {
    std::memcpy(dst, src, nbytes);
    return;
  }
#ifdef PONET_WITH_CUDA
  cuda::device_copy(dst, dst_device, src, src_device, nbytes);
#else
  fail("copy: this build has no CUDA support");
#endif
}

void zero_bytes(void* ptr, size_t nbytes, Device device) {
  if (nbytes == 0) return;
  if (device.is_cpu()) {
    std::memset(ptr, 0, nbytes);
    return;
  }
#ifdef PONET_WITH_CUDA
  cuda::device_zero(ptr, nbytes);
#else
  fail("zero: this build has no CUDA support");
#endif
}

}  // namespace ponet
