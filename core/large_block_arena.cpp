#include "core/large_block_arena.h"

#include <algorithm>
#include <iterator>

namespace ponet {

void LargeBlockArena::mark_free(BlockMap::iterator it) {
  free_by_size_.emplace(it->second.size, it->first);
  it->second.free = true;
  free_bytes_ += it->second.size;
}

void LargeBlockArena::unmark_free(BlockMap::iterator it) {
  free_by_size_.erase({it->second.size, it->first});
  it->second.free = false;
  free_bytes_ -= it->second.size;
}

void* LargeBlockArena::take(size_t size) {
  const auto fit = free_by_size_.lower_bound({size, nullptr});
  if (fit == free_by_size_.end()) return nullptr;
  char* const p = fit->second;
  const auto it = blocks_.find(p);
  const size_t rest = it->second.size - size;
  if (rest > 0) {
    // The remainder first: if its node cannot be allocated (bad_alloc), nothing has changed yet.
    const auto tail = blocks_.emplace_hint(std::next(it), p + size, Block{rest, it->second.segment, false});
    unmark_free(it);
    it->second.size = size;
    mark_free(tail);
  } else {
    unmark_free(it);
  }
  return p;
}

void LargeBlockArena::add_segment(void* base, size_t size) {
  char* const p = static_cast<char*>(base);
  segment_size_.emplace(p, size);
  blocks_.emplace(p, Block{size, p, false});
}

size_t LargeBlockArena::give_back(void* ptr) {
  auto it = blocks_.find(static_cast<char*>(ptr));
  const size_t size = it->second.size;
  // Merge into the previous block when it is free and of the same segment, then absorb the next.
  if (it != blocks_.begin()) {
    const auto prev = std::prev(it);
    if (prev->second.free && prev->second.segment == it->second.segment) {
      unmark_free(prev);
      prev->second.size += it->second.size;
      blocks_.erase(it);
      it = prev;
    }
  }
  const auto next = std::next(it);
  if (next != blocks_.end() && next->second.free && next->second.segment == it->second.segment) {
    unmark_free(next);
    it->second.size += next->second.size;
    blocks_.erase(next);
  }
  mark_free(it);
  return size;
}

std::vector<void*> LargeBlockArena::remove_free_segments(size_t bytes) {
  std::vector<std::pair<size_t, char*>> whole;  // free blocks that span their segment
  for (const auto& [size, p] : free_by_size_)
    if (p == blocks_.at(p).segment && segment_size_.at(p) == size) whole.emplace_back(size, p);
  std::sort(whole.rbegin(), whole.rend());
  std::vector<void*> removed;
  size_t removed_bytes = 0;
  for (const auto& [size, p] : whole) {
    if (removed_bytes >= bytes) break;
    unmark_free(blocks_.find(p));
    blocks_.erase(p);
    segment_size_.erase(p);
    removed.push_back(p);
    removed_bytes += size;
  }
  return removed;
}

}  // namespace ponet
