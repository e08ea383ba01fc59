// Groups the positions of every segment of every (B, L) row of segment ids, on the host
// (kernels/cpu/segment_layout.h); no reference beside it. Exercised through segment_max and ponet_mixer
// by tests/ops_table/ (build/test_ops value --filter segment_max,ponet_mixer) and tests/test_pooling.cpp;
// no bench of its own.
#include "kernels/cpu/segment_layout.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"

namespace ponet::cpu {

SegmentLayout build_segment_layout(const int64_t* ids, int64_t B, int64_t L) {
  SegmentLayout s;
  s.B = B;
  s.L = L;
  s.compact.resize(B * L);
  s.order.resize(B * L);
  std::vector<int64_t> counts(B);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t* row = ids + b * L;
    int64_t* order = s.order.data() + b * L;
    for (int64_t l = 0; l < L; ++l)
      PONET_CHECK(row[l] >= 0, "segment ids must be >= 0, got ", row[l], " at row ", b, " position ", l);
    std::iota(order, order + L, 0);
    // Fixed chunks and ids derived from CLS/SEP never decrease along a row, and the stable sort of such a
    // row is the identity: skip it, since it runs on the host for every batch.
    if (!std::is_sorted(row, row + L))
      std::stable_sort(order, order + L, [&](int64_t x, int64_t y) { return row[x] < row[y]; });
    int64_t k = -1;
    for (int64_t i = 0; i < L; ++i) {
      if (i == 0 || row[order[i]] != row[order[i - 1]]) ++k;
      s.compact[b * L + order[i]] = k;
    }
    counts[b] = k + 1;
  }
  s.K = B ? *std::max_element(counts.begin(), counts.end()) : 0;
  s.start.assign(B * (s.K + 1), 0);
  for (int64_t b = 0; b < B; ++b) {
    int64_t* start = s.start.data() + b * (s.K + 1);
    for (int64_t l = 0; l < L; ++l) ++start[s.compact[b * L + l] + 1];
    for (int64_t k = 0; k < s.K; ++k) start[k + 1] += start[k];
  }
  return s;
}

}  // namespace ponet::cpu
