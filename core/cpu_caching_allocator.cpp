#include "core/cpu_caching_allocator.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/allocator.h"
#include "core/error.h"

namespace ponet {

namespace {

constexpr size_t kHugePage = size_t(2) << 20;

int bit_width(size_t x) {  // std::bit_width is C++20
  int w = 0;
  while (x) {
    x >>= 1;
    ++w;
  }
  return w;
}

void* aligned_or_null(size_t alignment, size_t size) {
  void* p = nullptr;
  return posix_memalign(&p, alignment, size) == 0 ? p : nullptr;  // no size-multiple rule, unlike aligned_alloc
}

}  // namespace

CpuAllocatorMode parse_cpu_allocator_mode(const char* value) {
  if (value == nullptr || value[0] == '\0' || std::strcmp(value, "caching") == 0) return CpuAllocatorMode::caching;
  if (std::strcmp(value, "malloc") == 0) return CpuAllocatorMode::malloc;
  fail("PONET_CPU_ALLOCATOR='", value, "': expected 'caching' (the default) or 'malloc'");
}

size_t cpu_size_class(size_t nbytes) {
  PONET_CHECK(nbytes <= kMaxCpuAllocation, "allocate: ", nbytes, " bytes is more than any host can hold (at most ",
              kMaxCpuAllocation, ")");
  if (nbytes <= 512) return nbytes == 0 ? kCpuAlignment : (nbytes + kCpuAlignment - 1) / kCpuAlignment * kCpuAlignment;
  // 2^(k-1) < nbytes <= 2^k: the step 2^(k-4) is 1/8 of 2^(k-1), hence less than nbytes / 8.
  const size_t step = size_t(1) << (bit_width(nbytes - 1) - 4);
  return (nbytes + step - 1) / step * step;
}

CpuCachingAllocator::CpuCachingAllocator(CpuAllocatorMode mode, bool huge_pages)
    : mode_(mode), huge_pages_(huge_pages) {}

CpuCachingAllocator::~CpuCachingAllocator() { empty_cache(); }

void* CpuCachingAllocator::system_allocate(size_t size) const {
  if (size < kHugePage) return aligned_or_null(kCpuAlignment, size);
  // Huge-page aligned so that the kernel can back the block with whole 2 MiB pages (glibc maps up to
  // 2 MiB more in front; untouched, that costs address space, not memory).
  void* p = aligned_or_null(kHugePage, size);
#ifdef MADV_HUGEPAGE
  if (p && huge_pages_) madvise(p, size, MADV_HUGEPAGE);  // advice only: failure changes nothing
#endif
  return p;
}

void CpuCachingAllocator::count_allocation(size_t size) {
  in_use_ += size;
  if (in_use_ > peak_) peak_ = in_use_;
}

void* CpuCachingAllocator::allocate(size_t nbytes) {
  const size_t size = cpu_size_class(nbytes);
  if (mode_ == CpuAllocatorMode::malloc) {
    // The exact size (not the class), so that ASan flags a read just past the end of the tensor.
    void* p = aligned_or_null(kCpuAlignment, nbytes == 0 ? 1 : nbytes);
    if (!p) fail("allocate: out of host memory asking for ", nbytes, " bytes (PONET_CPU_ALLOCATOR=malloc)");
    std::lock_guard<std::mutex> lock(mutex_);
    count_allocation(size);
    ++system_allocations_;
    return p;
  }
  if (size >= kLargeBlockMin) return allocate_large(size, nbytes);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_lists_.find(size);
    if (it != free_lists_.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      cached_small_ -= size;
      count_allocation(size);
      return p;
    }
  }
  void* p = system_allocate_retrying(size, nbytes);
  std::lock_guard<std::mutex> lock(mutex_);
  count_allocation(size);
  return p;
}

void* CpuCachingAllocator::system_allocate_retrying(size_t size, size_t nbytes) {
  void* p = system_allocate(size);
  if (!p) {  // cached blocks may be what the system is missing
    empty_cache();
    p = system_allocate(size);
  }
  if (!p) fail("allocate: out of host memory asking for ", nbytes, " bytes (a block of ", size,
               "), even after releasing the allocator's cache");
  std::lock_guard<std::mutex> lock(mutex_);
  ++system_allocations_;
  return p;
}

void* CpuCachingAllocator::allocate_large(size_t size, size_t nbytes) {
  std::vector<void*> released;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (void* p = large_.take(size)) {
      count_allocation(size);
      return p;
    }
    // No free block holds it. When the free ones add up to its size all the same (spread over segments
    // that are partly in use, or too small), wholly free segments go first, so that the process does not
    // grow while it holds that much idle.
    if (large_.free_bytes() >= size) released = large_.remove_free_segments(size);
  }
  for (void* p : released) std::free(p);  // outside the lock: free may munmap
  void* p = system_allocate_retrying(size, nbytes);
  std::lock_guard<std::mutex> lock(mutex_);
  try {
    large_.add_segment(p, size);
  } catch (...) {  // no memory for the bookkeeping
    std::free(p);
    throw;
  }
  count_allocation(size);
  return p;
}

void CpuCachingAllocator::deallocate(void* ptr, size_t nbytes) noexcept {
  if (!ptr) return;
  const size_t size = cpu_size_class(nbytes);  // cannot throw: allocate() accepted nbytes
  bool kept = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    in_use_ -= size;
    if (mode_ == CpuAllocatorMode::caching) {
      try {
        if (size >= kLargeBlockMin) {
          large_.give_back(ptr);  // merged with its free neighbours
          return;
        }
        free_lists_[size].push_back(ptr);
        cached_small_ += size;
        kept = true;
      } catch (...) {
        // No memory for the list entry: a small block goes back to the system; a large one, which may
        // be part of a segment, stays out of use (lost until exit, never handed out twice).
        if (size >= kLargeBlockMin) return;
      }
    }
  }
  if (!kept) std::free(ptr);  // outside the lock: free may munmap
}

void CpuCachingAllocator::empty_cache() {
  std::unordered_map<size_t, std::vector<void*>> blocks;
  std::vector<void*> segments;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    blocks.swap(free_lists_);
    segments = large_.remove_free_segments(SIZE_MAX);
    cached_small_ = 0;  // the free parts of large segments still in use stay (they cannot be returned)
  }
  for (auto& entry : blocks)
    for (void* p : entry.second) std::free(p);
  for (void* p : segments) std::free(p);
}

MemoryStats CpuCachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {in_use_, peak_, cached_small_ + large_.free_bytes()};
}

size_t CpuCachingAllocator::system_allocations() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return system_allocations_;
}

void CpuCachingAllocator::reset_peak() {
  std::lock_guard<std::mutex> lock(mutex_);
  peak_ = in_use_;
}

CpuCachingAllocator& cpu_caching_allocator() {
  static CpuCachingAllocator* a = new CpuCachingAllocator(parse_cpu_allocator_mode(std::getenv("PONET_CPU_ALLOCATOR")));
  return *a;
}

}  // namespace ponet
