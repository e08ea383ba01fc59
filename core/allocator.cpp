#include "core/allocator.h"

#include <cstring>

#include "core/cpu_caching_allocator.h"
#include "core/error.h"

namespace ponet {

// A bad PONET_CPU_ALLOCATOR makes the first allocation throw, so nothing was ever allocated: the
// figures are zero and there is nothing to release (memory_stats and friends never throw).
MemoryStats cpu_memory_stats() {
  try {
    return cpu_caching_allocator().stats();
  } catch (const Error&) {
    return {};
  }
}

void cpu_reset_peak_memory() {
  try {
    cpu_caching_allocator().reset_peak();
  } catch (const Error&) {
  }
}

void cpu_empty_cache() {
  try {
    cpu_caching_allocator().empty_cache();
  } catch (const Error&) {
  }
}

void* allocate_bytes(size_t nbytes, Device device) {
  if (device.is_cuda()) {
#ifdef PONET_WITH_CUDA
    return cuda::device_allocate(nbytes, device.index);
#else
    fail("allocate: this build has no CUDA support (device ", device.str(), ")");
#endif
  }
  return cpu_caching_allocator().allocate(nbytes);
}

void free_bytes(void* ptr, size_t nbytes, Device device) {
  if (!ptr) return;
  if (device.is_cuda()) {
#ifdef PONET_WITH_CUDA
    cuda::device_free(ptr, nbytes, device.index);
#endif
    return;
  }
  cpu_caching_allocator().deallocate(ptr, nbytes);
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
