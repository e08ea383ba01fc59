// The positions of every segment of every row, grouped: built once on the host from segment ids (any
// non-negative values, not necessarily contiguous or sorted) and used by the segment max kernels on
// both devices. For row b, segment k (k = 0..count[b]-1, ids in increasing order) owns positions
// order[b*L + start[b*(K+1) + k] .. start[b*(K+1) + k + 1]) in increasing order; compact[b*L + l] is the
// segment of position l. K is the largest segment count over the rows.
#pragma once
#include <cstdint>
#include <vector>

namespace ponet::cpu {

struct SegmentLayout {
  int64_t B = 0, L = 0, K = 0;
  std::vector<int64_t> compact;  // [B, L]
  std::vector<int64_t> order;    // [B, L]
  std::vector<int64_t> start;    // [B, K + 1]; rows with fewer segments repeat their end offset
};

// Throws ponet::Error on a negative id.
SegmentLayout build_segment_layout(const int64_t* ids, int64_t B, int64_t L);

}  // namespace ponet::cpu
