// The caching allocator behind every CPU tensor. A freed block goes to a free list of its size class
// and the next request of that class gets it back, so a training step, which asks for the same sizes
// every time, stops paying for mmap, page faults, the kernel's zeroing of fresh pages and munmap
// (glibc maps every block above its mmap threshold afresh and unmaps it on free).
//
// Blocks of kLargeBlockMin (16 MiB) and more are not kept by class but in a best-fit arena of segments
// (core/large_block_arena.h): a request takes the smallest free block that holds it, split, and a freed
// block merges with its free neighbours. Large tensors of different sizes that take turns within a step
// (the FFN activations, the MLM logits; the forward's activations and, with recomputation, the
// backward's) then share pages. Only when no free block holds a request while free blocks add up to its
// size are wholly free segments returned to the C library (largest first, just enough), before a new
// segment is allocated: the process does not grow while it holds that much idle. (PyTorch's CPU side,
// which mallocs and frees every tensor, never holds idle blocks; its CUDA allocator splits and merges
// in the same way.)
//
// Cached memory goes back to the C library on empty_cache(), when an allocation fails (the cache is
// released and the request retried once), when the allocator is destroyed, and by the rule above.
//
// Contract:
// - every block is kCpuAlignment (64-byte) aligned; blocks of 2 MiB and more are 2 MiB aligned and
//   advised for transparent huge pages where the kernel offers them (fewer faults and TLB misses);
// - the contents of a block are unspecified (a reused block holds what its last owner wrote): callers
//   that need zeros call zero_bytes;
// - deallocate() takes the size that allocate() was asked for (Storage keeps it);
// - thread safe: one mutex, held only for the free-list bookkeeping, never during a system call.
//
// PONET_CPU_ALLOCATOR=malloc makes every allocation a plain aligned_alloc and every free a plain
// free (for sanitizer runs: ASan must see each use after free); scripts/test.sh --sanitize sets it.
#pragma once
#include <cstddef>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/large_block_arena.h"
#include "core/memory_stats.h"

namespace ponet {

enum class CpuAllocatorMode { caching, malloc };

// The meaning of a PONET_CPU_ALLOCATOR value: unset (nullptr), "" or "caching" -> caching,
// "malloc" -> malloc. Anything else throws ponet::Error naming the value.
CpuAllocatorMode parse_cpu_allocator_mode(const char* value);

// Requests whose size class is at least this go to the large-block arena. Not lower: with 1 MiB (and
// the old per-class rule that released other classes' idle blocks) the default pretraining step, whose
// activations are 2-8 MiB, released and re-faulted blocks every step and ran 4 % slower.
constexpr size_t kLargeBlockMin = size_t(16) << 20;

// Requests above this are refused before any rounding (which would overflow near SIZE_MAX).
constexpr size_t kMaxCpuAllocation = size_t(1) << 56;

// The size of the block that serves a request of nbytes: 64 bytes for 0, a multiple of 64 up to
// 512 bytes, and above that a multiple of 1/16 of the power of two at or above nbytes (8 classes per
// doubling, so a class wastes less than 1/8 of the request; sizes of 16 MiB and more round to
// multiples of 2 MiB or more). A class size is its own class. Throws for nbytes > kMaxCpuAllocation.
size_t cpu_size_class(size_t nbytes);

class CpuCachingAllocator {
 public:
  // huge_pages: madvise(MADV_HUGEPAGE) blocks of 2 MiB and more (a no-op where unsupported).
  explicit CpuCachingAllocator(CpuAllocatorMode mode = CpuAllocatorMode::caching, bool huge_pages = true);
  ~CpuCachingAllocator();  // frees the cached blocks; live blocks must have been deallocated
  CpuCachingAllocator(const CpuCachingAllocator&) = delete;
  CpuCachingAllocator& operator=(const CpuCachingAllocator&) = delete;

  // A block of at least nbytes (its size class). Throws ponet::Error when the host has no memory left
  // even after the cache was released.
  void* allocate(size_t nbytes);
  void deallocate(void* ptr, size_t nbytes) noexcept;
  // Returns every cached block to the C library, but for the free parts of large segments that still
  // hold a live block (those stay cached).
  void empty_cache();

  // in_use and peak count the size classes of the blocks handed out; cached is the bytes in the free
  // lists and the free blocks of the large arena (0 in malloc mode).
  MemoryStats stats() const;
  void reset_peak();
  CpuAllocatorMode mode() const { return mode_; }
  // How many blocks (or large segments) have been obtained from the C library so far: a step that
  // reuses the cache does not move it.
  size_t system_allocations() const;

 private:
  void* system_allocate(size_t size) const;
  // system_allocate, once more after empty_cache() if it fails; throws when that fails too.
  void* system_allocate_retrying(size_t size, size_t nbytes);
  void* allocate_large(size_t size, size_t nbytes);  // a size class >= kLargeBlockMin, from large_
  void count_allocation(size_t size);  // with mutex_ held

  const CpuAllocatorMode mode_;
  const bool huge_pages_;
  mutable std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_lists_;  // size class (< kLargeBlockMin) -> cached blocks
  LargeBlockArena large_;  // blocks of kLargeBlockMin and more, live and free
  size_t in_use_ = 0, peak_ = 0, system_allocations_ = 0;
  size_t cached_small_ = 0;  // bytes in free_lists_ (the large arena counts its own free bytes)
};

// The process-wide instance used by allocate_bytes for Device::cpu(). Its mode is read from
// PONET_CPU_ALLOCATOR once, on first use (a bad value throws there, and again on every later use).
// Never destroyed: tensors may outlive main.
CpuCachingAllocator& cpu_caching_allocator();

}  // namespace ponet
