// The bookkeeping of the CPU caching allocator's large blocks (16 MiB and more, kLargeBlockMin in
// core/cpu_caching_allocator.h): memory obtained from the system in segments, each carved into blocks
// that are split to serve smaller requests and merged again when freed. A request takes the smallest free
// block that holds it (best fit) and leaves the rest free, so tensors of different large sizes that take
// turns (the FFN activations of one phase, the MLM logits of another) share the same pages instead of one
// class's blocks being released and the other's faulted in every step.
//
// It only keeps books: it never calls the system (the allocator allocates and frees segments outside its
// lock) and it is not thread safe (the allocator's mutex guards it). Block sizes are whatever the caller
// asks for; the allocator asks for size classes of 16 MiB and more, all multiples of 2 MiB, so every
// block of a 2 MiB-aligned segment stays 2 MiB aligned (huge pages).
#pragma once
#include <cstddef>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace ponet {

class LargeBlockArena {
 public:
  // The smallest free block of at least size bytes, split so that the bytes past size stay a free block
  // of their own; nullptr when no free block is that large.
  void* take(size_t size);
  // Records a segment of size bytes at base, fresh from the system, as one live block.
  void add_segment(void* base, size_t size);
  // Frees the live block at ptr, merging it with free neighbours of its segment; returns its size.
  // ptr must be a live block of this arena.
  size_t give_back(void* ptr);
  // Removes wholly free segments, largest first, until their bytes reach at least `bytes` (or none is
  // left), and returns their bases for the caller to give back to the system.
  std::vector<void*> remove_free_segments(size_t bytes);
  size_t free_bytes() const { return free_bytes_; }
  size_t segment_count() const { return segment_size_.size(); }

 private:
  struct Block {
    size_t size;
    char* segment;  // the base of the segment it lies in: only blocks of one segment merge
    bool free;
  };
  using BlockMap = std::map<char*, Block>;  // by address, so that a block's neighbours are adjacent
  void mark_free(BlockMap::iterator it);
  void unmark_free(BlockMap::iterator it);

  BlockMap blocks_;
  std::set<std::pair<size_t, char*>> free_by_size_;  // (size, address) of every free block: best fit
  std::map<char*, size_t> segment_size_;             // segment base -> its size
  size_t free_bytes_ = 0;
};

}  // namespace ponet
