// The large-block arena's bookkeeping (core/large_block_arena.h) on made-up addresses (it never touches
// the memory): a random run of takes and gives back checked after every operation against a plain list
// of live blocks kept here, and the splits and merges of a short hand-made sequence.
#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "core/large_block_arena.h"
#include "core/rng.h"
#include "test_util.h"

using namespace ponet;

namespace {

constexpr size_t kUnit = size_t(2) << 20;

char* address(uintptr_t a) { return reinterpret_cast<char*>(a); }

}  // namespace

TEST_CASE("large block arena: splits and best fit and merges only within a segment") {
  LargeBlockArena arena;
  // Two segments that touch in the address space: blocks of one must never merge with the other's.
  char* s1 = address(0x10000000);
  char* s2 = s1 + 8 * kUnit;
  arena.add_segment(s1, 8 * kUnit);
  arena.add_segment(s2, 4 * kUnit);
  CHECK(arena.take(kUnit) == nullptr);  // both are live
  arena.give_back(s1);
  arena.give_back(s2);
  CHECK(arena.free_bytes() == 12 * kUnit);
  CHECK(arena.take(3 * kUnit) == s2);  // best fit: the 4-unit segment
  CHECK(arena.take(2 * kUnit) == s1);  // the 1 unit left of s2 is too small
  CHECK(arena.take(kUnit) == s2 + 3 * kUnit);
  CHECK(arena.free_bytes() == 6 * kUnit);
  CHECK(arena.take(7 * kUnit) == nullptr);
  CHECK(arena.give_back(s2) == 3 * kUnit);
  CHECK(arena.give_back(s2 + 3 * kUnit) == kUnit);  // s2 is whole and free again
  CHECK(arena.remove_free_segments(kUnit) == std::vector<void*>{s2});
  CHECK(arena.segment_count() == 1);
  CHECK(arena.remove_free_segments(SIZE_MAX).empty());  // s1 still has a live block
  CHECK(arena.give_back(s1) == 2 * kUnit);
  CHECK(arena.take(8 * kUnit) == s1);  // merged with the 6 free units behind it
  arena.give_back(s1);
  CHECK(arena.remove_free_segments(SIZE_MAX) == std::vector<void*>{s1});
  CHECK(arena.free_bytes() == 0);
}

TEST_CASE("large block arena: a random run never overlaps live blocks and merges back to whole segments") {
  LargeBlockArena arena;
  Rng rng(7);
  struct Segment {
    char* base;
    size_t size;
  };
  std::vector<Segment> segments;
  std::map<char*, size_t> live;  // the model: live blocks by address
  uintptr_t next_base = 0x100000000;
  const auto add_segment = [&](size_t units) {
    char* base = address(next_base);
    next_base += (units + static_cast<size_t>(rng.uniform(0, 2))) * kUnit;  // some touch, some do not
    arena.add_segment(base, units * kUnit);
    segments.push_back({base, units * kUnit});
    live[base] = units * kUnit;
  };
  const auto check_invariants = [&] {
    size_t total = 0, used = 0;
    for (const Segment& s : segments) total += s.size;
    char* end_of_previous = nullptr;
    for (const auto& [p, n] : live) {
      REQUIRE(p >= end_of_previous);  // no overlap
      end_of_previous = p + n;
      const bool inside = std::any_of(segments.begin(), segments.end(),
                                      [&](const Segment& s) { return p >= s.base && p + n <= s.base + s.size; });
      REQUIRE(inside);
      used += n;
    }
    REQUIRE(arena.free_bytes() == total - used);
  };
  for (int i = 0; i < 4; ++i) add_segment(4 + static_cast<size_t>(rng.uniform(0, 12)));
  check_invariants();
  int highest_given_back = 0;  // the highest-addressed live block given back while others stay live
  for (int op = 0; op < 3000; ++op) {
    if (!live.empty() && rng.uniform(0, 1) < 0.5) {
      auto it = live.begin();
      std::advance(it, static_cast<long>(rng.randint(0, static_cast<int64_t>(live.size()))));  // any, the last too
      if (live.size() > 1 && std::next(it) == live.end()) ++highest_given_back;
      CHECK(arena.give_back(it->first) == it->second);
      live.erase(it);
    } else {
      const size_t n = (1 + static_cast<size_t>(rng.uniform(0, 6))) * kUnit;
      void* p = arena.take(n);
      if (p == nullptr) {
        add_segment(n / kUnit);  // what the allocator does on a miss
      } else {
        REQUIRE(live.count(static_cast<char*>(p)) == 0);
        live[static_cast<char*>(p)] = n;
      }
    }
    check_invariants();
  }
  CHECK(highest_given_back > 0);  // the run reached the end of the address range, not only its middle
  for (const auto& [p, n] : live) arena.give_back(p);
  // Every segment merged back into one free block: all of them can be removed whole.
  CHECK(arena.remove_free_segments(SIZE_MAX).size() == segments.size());
  CHECK(arena.free_bytes() == 0);
  CHECK(arena.segment_count() == 0);
}
