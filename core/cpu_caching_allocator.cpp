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
    return p;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_lists_.find(size);
    if (it != free_lists_.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      cached_ -= size;
      count_allocation(size);
      return p;
    }
    if (size >= kEvictAbove) {
      // The smallest idle block at most an eighth larger: a tensor whose size moves a little from step
      // to step (the MLM logits, [masked tokens, vocab] of 50 MiB, cross a 4 MiB class every 131
      // tokens) would otherwise miss, release the other class and fault fresh pages in.
      size_t best = 0;
      for (const auto& [cls, list] : free_lists_)
        if (cls > size && cls - size <= size / 8 && !list.empty() && (best == 0 || cls < best)) best = cls;
      if (best != 0) {
        std::vector<void*>& list = free_lists_[best];
        oversized_.emplace(list.back(), best);  // first: if it throws, nothing has changed
        void* p = list.back();
        list.pop_back();
        cached_ -= best;
        count_allocation(best);
        return p;
      }
    }
  }
  if (size >= kEvictAbove) release_other_large(size);
  void* p = system_allocate(size);
  if (!p) {  // blocks of other classes may be what the system is missing
    empty_cache();
    p = system_allocate(size);
  }
  if (!p) fail("allocate: out of host memory asking for ", nbytes, " bytes (a block of ", size,
               "), even after releasing the allocator's cache");
  std::lock_guard<std::mutex> lock(mutex_);
  count_allocation(size);
  return p;
}

void CpuCachingAllocator::deallocate(void* ptr, size_t nbytes) noexcept {
  if (!ptr) return;
  size_t size = cpu_size_class(nbytes);  // cannot throw: allocate() accepted nbytes
  bool kept = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (size >= kEvictAbove) {  // a larger class's block goes back to its own class
      auto o = oversized_.find(ptr);
      if (o != oversized_.end()) {
        size = o->second;
        oversized_.erase(o);
      }
    }
    in_use_ -= size;
    if (mode_ == CpuAllocatorMode::caching) {
      try {
        free_lists_[size].push_back(ptr);
        cached_ += size;
        kept = true;
      } catch (...) {  // no memory for the list entry: give the block back instead
      }
    }
  }
  if (!kept) std::free(ptr);  // outside the lock: free may munmap
}

void CpuCachingAllocator::release_other_large(size_t size) {
  std::vector<void*> blocks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Only when idle blocks could have held this one: otherwise the request is real growth.
    if (cached_ < size) return;
    // Just enough bytes, from the largest classes down (fewest blocks to fault in again later).
    std::vector<size_t> classes;
    for (auto& [cls, list] : free_lists_)
      if (cls >= kEvictAbove && cls != size && !list.empty()) classes.push_back(cls);
    std::sort(classes.rbegin(), classes.rend());
    size_t released = 0;
    for (size_t cls : classes) {
      std::vector<void*>& list = free_lists_[cls];
      while (!list.empty() && released < size) {
        blocks.push_back(list.back());
        list.pop_back();
        cached_ -= cls;
        released += cls;
      }
      if (released >= size) break;
    }
  }
  for (void* p : blocks) std::free(p);  // outside the lock: free may munmap
}

void CpuCachingAllocator::empty_cache() {
  std::unordered_map<size_t, std::vector<void*>> blocks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    blocks.swap(free_lists_);
    cached_ = 0;
  }
  for (auto& entry : blocks)
    for (void* p : entry.second) std::free(p);
}

MemoryStats CpuCachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {in_use_, peak_, cached_};
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
