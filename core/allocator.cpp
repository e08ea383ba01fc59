#include "core/allocator.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "core/error.h"

namespace ponet {

void* allocate_bytes(size_t nbytes, Device device) {
  if (device.is_cuda()) {
#ifdef PONET_WITH_CUDA
    return cuda::device_allocate(nbytes, device.index);
#else
    fail("allocate: this build has no CUDA support (device ", device.str(), ")");
#endif
  }
  // aligned_alloc needs a size that is a multiple of the alignment, and at least one byte.
  size_t rounded = ((nbytes + kCpuAlignment - 1) / kCpuAlignment) * kCpuAlignment;
  if (rounded == 0) rounded = kCpuAlignment;
  void* p = std::aligned_alloc(kCpuAlignment, rounded);
  if (!p) fail("allocate: out of host memory asking for ", nbytes, " bytes");
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
  (void)nbytes;
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
