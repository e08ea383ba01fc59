// Segment max-pool over the length of (B, L, C) with argmax (kernels/cpu/segment_max.h). No reference
// kernel beside it: the oracle is the op table's expected values, computed in double. Tested by
// tests/ops_table/ (rows "segment_max": build/test_ops value --filter segment_max) and
// tests/test_pooling.cpp; timed by build/test_ops perf.
#include "kernels/cpu/segment_max.h"

#include <algorithm>
#include <vector>

namespace ponet::cpu {

void segment_max_forward(float* out, int64_t* arg, const float* x, const SegmentLayout& seg, int64_t C) {
  const int64_t L = seg.L, K = seg.K;
#pragma omp parallel for schedule(dynamic, 1) if (seg.B * L * C > 32768)
  for (int64_t b = 0; b < seg.B; ++b) {
    const float* xb = x + b * L * C;
    const int64_t* order = seg.order.data() + b * L;
    const int64_t* start = seg.start.data() + b * (K + 1);
    std::vector<int64_t> winner(C);
    for (int64_t k = 0; k < K && start[k] < start[k + 1]; ++k) {
      // positions come in increasing order, so a strict '>' keeps the lowest winner on ties
      std::fill(winner.begin(), winner.end(), order[start[k]]);
      for (int64_t i = start[k] + 1; i < start[k + 1]; ++i) {
        const int64_t m = order[i];
        for (int64_t c = 0; c < C; ++c)
          if (xb[m * C + c] > xb[winner[c] * C + c]) winner[c] = m;
      }
      for (int64_t i = start[k]; i < start[k + 1]; ++i) {
        const int64_t l = order[i];
        for (int64_t c = 0; c < C; ++c) {
          arg[(b * L + l) * C + c] = winner[c];
          out[(b * L + l) * C + c] = xb[winner[c] * C + c];
        }
      }
    }
  }
}

void segment_max_backward(float* dx, const float* dout, const int64_t* arg, const SegmentLayout& seg, int64_t C) {
  const int64_t L = seg.L, K = seg.K;
#pragma omp parallel for schedule(dynamic, 1) if (seg.B * L * C > 32768)
  for (int64_t b = 0; b < seg.B; ++b) {
    std::fill(dx + b * L * C, dx + (b + 1) * L * C, 0.f);
    const int64_t* order = seg.order.data() + b * L;
    const int64_t* start = seg.start.data() + b * (K + 1);
    std::vector<double> total(C);
    for (int64_t k = 0; k < K && start[k] < start[k + 1]; ++k) {
      std::fill(total.begin(), total.end(), 0.0);
      for (int64_t i = start[k]; i < start[k + 1]; ++i)
        for (int64_t c = 0; c < C; ++c) total[c] += dout[(b * L + order[i]) * C + c];
      const int64_t first = order[start[k]];  // every member shares the segment's winner
      for (int64_t c = 0; c < C; ++c) dx[(b * L + arg[(b * L + first) * C + c]) * C + c] = static_cast<float>(total[c]);
    }
  }
}

}  // namespace ponet::cpu
