// Causal (prefix / left-window) max over the length of (B, L, C) with argmax (kernels/cpu/prefix_max.h).
// The reference kernel beside it is the oracle of tests/test_prefix_max.cpp; the op table (rows
// "prefix_max": build/test_ops value --filter prefix_max) checks both against plain loops in double.
#include "kernels/cpu/prefix_max.h"

#include <algorithm>

namespace ponet::cpu {

namespace {
// The max of x[b, start..t, c] for one (b, t), every c, by a scan; lowest position on ties.
void scan_range(float* out, int64_t* arg, const float* x, int64_t b, int64_t t, int64_t start, int64_t L, int64_t C) {
  for (int64_t c = 0; c < C; ++c) {
    int64_t best = start;
    for (int64_t m = start + 1; m <= t; ++m)
      if (x[(b * L + m) * C + c] > x[(b * L + best) * C + c]) best = m;
    arg[(b * L + t) * C + c] = best;
    out[(b * L + t) * C + c] = x[(b * L + best) * C + c];
  }
}
}  // namespace

void prefix_max_forward_reference(float* out, int64_t* arg, const float* x, int64_t B, int64_t L, int64_t C,
                                  int64_t segment_length, int64_t window) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < L; ++t) scan_range(out, arg, x, b, t, prefix_max_start(t, segment_length, window), L, C);
}

void prefix_max_forward(float* out, int64_t* arg, const float* x, int64_t B, int64_t L, int64_t C,
                        int64_t segment_length, int64_t window) {
#pragma omp parallel for schedule(static) if (B * L * C > 32768)
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < L; ++t) {
      const int64_t start = prefix_max_start(t, segment_length, window);
      if (t == 0 || start != prefix_max_start(t - 1, segment_length, window)) {
        scan_range(out, arg, x, b, t, start, L, C);  // the range lost its left end (or begins): rescan it
        continue;
      }
      // same left end as t - 1: the running max, and x[t] wins only if strictly greater
      const int64_t row = (b * L + t) * C, prev = row - C;
      for (int64_t c = 0; c < C; ++c) {
        const bool take = x[row + c] > out[prev + c];
        arg[row + c] = take ? t : arg[prev + c];
        out[row + c] = take ? x[row + c] : out[prev + c];
      }
    }
}

void prefix_max_backward(float* dx, const float* dout, const int64_t* arg, int64_t B, int64_t L, int64_t C) {
#pragma omp parallel for schedule(static) if (B * L * C > 32768)
  for (int64_t b = 0; b < B; ++b) {
    std::fill(dx + b * L * C, dx + (b + 1) * L * C, 0.f);
    for (int64_t t = 0; t < L; ++t)
      for (int64_t c = 0; c < C; ++c) dx[(b * L + arg[(b * L + t) * C + c]) * C + c] += dout[(b * L + t) * C + c];
  }
}

}  // namespace ponet::cpu
