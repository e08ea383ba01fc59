// Cross-entropy rows: logits [rows, classes], int64 targets [rows], ignore_index skipped. No reference
// kernel beside it: the oracle is the op table's expected values, computed in double. Tested by
// tests/ops_table/ (rows "cross_entropy": build/test_ops value --filter cross_entropy) and
// tests/test_cross_entropy.cpp; no bench of its own. Exponentials use exp_nonpositive (every argument is
// a logit minus its row max, or that minus the log-sum), which vectorises where std::exp is a libm call.
#include "kernels/cpu/cross_entropy.h"

#include <cmath>

#include "kernels/cpu/vector_math.h"

namespace ponet::cpu {

void cross_entropy_forward(float* row_loss, float* row_max, float* row_log_sum, const float* logits,
                           const int64_t* targets, int64_t rows, int64_t classes, int64_t ignore_index) {
#pragma omp parallel for schedule(static) if (rows * classes > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t t = targets[r];
    if (t == ignore_index) {
      row_loss[r] = row_max[r] = row_log_sum[r] = 0.f;
      continue;
    }
    const float* x = logits + r * classes;
    // exp_nonpositive maps a NaN argument to 0, so a NaN or +inf logit (which std::exp turns into a NaN
    // loss, as torch does) is caught apart, in the same pass as the max; -inf is a class of probability
    // 0, as in torch.
    float m = x[0], bad = 0.f;
#pragma omp simd reduction(max : m) reduction(+ : bad)
    for (int64_t c = 0; c < classes; ++c) {
      m = x[c] > m ? x[c] : m;
      bad += x[c] < INFINITY ? 0.f : NAN;  // false for NaN and +inf
    }
    // float lanes over blocks of 256 terms (each in (0, 1]), the blocks added in double: a 30k-class
    // sum stays exact to float precision, and the loop vectorises (the order is fixed at compile time)
    double s = 0.0;
    for (int64_t c0 = 0; c0 < classes; c0 += 256) {
      const int64_t c1 = c0 + 256 < classes ? c0 + 256 : classes;
      float block = 0.f;
#pragma omp simd reduction(+ : block)
      for (int64_t c = c0; c < c1; ++c) block += exp_nonpositive(x[c] - m);
      s += block;
    }
    const double log_sum = std::log(s) + bad;
    row_max[r] = m;
    row_log_sum[r] = static_cast<float>(log_sum);
    row_loss[r] = static_cast<float>((static_cast<double>(m) - x[t]) + log_sum);
  }
}

void cross_entropy_backward(float* dlogits, const float* grad_loss, const float* logits, const float* row_max,
                            const float* row_log_sum, const int64_t* targets, int64_t rows, int64_t classes,
                            int64_t ignore_index, float inv_count) {
  const float factor = grad_loss[0] * inv_count;
#pragma omp parallel for schedule(static) if (rows * classes > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t t = targets[r];
    float* d = dlogits + r * classes;
    if (t == ignore_index) {
      for (int64_t c = 0; c < classes; ++c) d[c] = 0.f;
      continue;
    }
    const float* x = logits + r * classes;
    const float m = row_max[r], log_sum = row_log_sum[r];
    for (int64_t c = 0; c < classes; ++c) {
      const float p = exp_nonpositive((x[c] - m) - log_sum);
      d[c] = factor * (c == t ? p - 1.f : p);
    }
  }
}

}  // namespace ponet::cpu
