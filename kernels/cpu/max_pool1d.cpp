// Window-3 max-pool over the length of (B, L, C) with argmax (kernels/cpu/max_pool1d.h). No reference
// kernel beside it: the oracle is the op table's expected values, computed in double. Tested by
// tests/ops_table/ (rows "max_pool1d": build/test_ops value --filter max_pool1d) and
// tests/test_pooling.cpp; timed by build/test_ops perf.
#include "kernels/cpu/max_pool1d.h"

#include <algorithm>

namespace ponet::cpu {

void max_pool1d_forward(float* out, int64_t* arg, const float* x, int64_t B, int64_t L, int64_t C) {
#pragma omp parallel for collapse(2) schedule(static) if (B * L * C > 32768)
  for (int64_t b = 0; b < B; ++b)
    for (int64_t l = 0; l < L; ++l) {
      const int64_t lo = std::max<int64_t>(l - 1, 0), hi = std::min<int64_t>(l + 1, L - 1);
      for (int64_t c = 0; c < C; ++c) {
        int64_t best = lo;
        for (int64_t m = lo + 1; m <= hi; ++m)
          if (x[(b * L + m) * C + c] > x[(b * L + best) * C + c]) best = m;
        arg[(b * L + l) * C + c] = best;
        out[(b * L + l) * C + c] = x[(b * L + best) * C + c];
      }
    }
}

void max_pool1d_backward(float* dx, const float* dout, const int64_t* arg, int64_t B, int64_t L, int64_t C) {
#pragma omp parallel for collapse(2) schedule(static) if (B * L * C > 32768)
  for (int64_t b = 0; b < B; ++b)
    for (int64_t m = 0; m < L; ++m) {
      const int64_t lo = std::max<int64_t>(m - 1, 0), hi = std::min<int64_t>(m + 1, L - 1);
      for (int64_t c = 0; c < C; ++c) {
        float acc = 0.f;
        for (int64_t l = lo; l <= hi; ++l)
          if (arg[(b * L + l) * C + c] == m) acc += dout[(b * L + l) * C + c];
        dx[(b * L + m) * C + c] = acc;
      }
    }
}

}  // namespace ponet::cpu
