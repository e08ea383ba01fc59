// Mean over the real positions of each row, x (B, L, C) and mask (B, L) -> (B, C). No reference kernel
// beside it: the oracle is the op table's expected values, computed in double. Tested by tests/ops_table/
// (rows "masked_mean": build/test_ops value --filter masked_mean) and tests/test_pooling.cpp; timed by
// build/test_ops perf.
#include "kernels/cpu/masked_mean.h"

#include <vector>

namespace ponet::cpu {

namespace {
int64_t count_real(const int64_t* mask, int64_t L) {
  int64_t n = 0;
  for (int64_t l = 0; l < L; ++l) n += mask[l] != 0;
  return n;
}
}  // namespace

void masked_mean_forward(float* out, const float* x, const int64_t* mask, int64_t B, int64_t L, int64_t C) {
#pragma omp parallel for schedule(static) if (B * L * C > 32768)
  for (int64_t b = 0; b < B; ++b) {
    std::vector<double> acc(C, 0.0);
    for (int64_t l = 0; l < L; ++l)
      if (mask[b * L + l])
        for (int64_t c = 0; c < C; ++c) acc[c] += x[(b * L + l) * C + c];
    const double n = static_cast<double>(count_real(mask + b * L, L));
    for (int64_t c = 0; c < C; ++c) out[b * C + c] = static_cast<float>(acc[c] / n);
  }
}

void masked_mean_backward(float* dx, const float* dout, const int64_t* mask, int64_t B, int64_t L, int64_t C) {
#pragma omp parallel for schedule(static) if (B * L * C > 32768)
  for (int64_t b = 0; b < B; ++b) {
    const float inv = 1.f / static_cast<float>(count_real(mask + b * L, L));
    for (int64_t l = 0; l < L; ++l)
      for (int64_t c = 0; c < C; ++c) dx[(b * L + l) * C + c] = mask[b * L + l] ? dout[b * C + c] * inv : 0.f;
  }
}

}  // namespace ponet::cpu
