// LayerNorm over the last dim of [rows, cols], saving mean and rstd (kernels/cpu/layer_norm.h). No
// reference kernel beside it: the oracle is the op table's expected values, computed in double. Tested by
// tests/ops_table/ (rows "layer_norm": build/test_ops value --filter layer_norm) and
// tests/test_layer_norm.cpp; timed by build/test_ops perf.
#include "kernels/cpu/layer_norm.h"

#include <cmath>

#include "kernels/cpu/lane_sum.h"

namespace ponet::cpu {

// Row sums in double with 8 partials (kernels/cpu/lane_sum.h): on a Zen 3 VM, 4096 x 128, 2 threads,
// forward 0.74 -> 0.33 ms, backward (dx and the parameters) 0.65 -> 0.44 against one running sum.
namespace {
template <class Term>
double row_sum(int64_t n, const Term& term) {
  return lane_sum<double, 8>(n, term);
}
}  // namespace

void layer_norm_forward_row(float* yr, float* mean, float* rstd, const float* xr, const float* weight,
                            const float* bias, int64_t cols, float eps) {
  // Two passes in double: the variance of values with a large common offset stays exact, which
  // matters when eps is tiny (BERT uses 1e-12) and cannot hide a cancellation error.
  const double m = row_sum(cols, [xr](int64_t j) { return static_cast<double>(xr[j]); }) /
                   static_cast<double>(cols);
  const double ss = row_sum(cols, [xr, m](int64_t j) {
    const double d = xr[j] - m;
    return d * d;
  });
  const double rs = 1.0 / std::sqrt(ss / static_cast<double>(cols) + static_cast<double>(eps));
  // The output is also formed in double so it is the correctly rounded value of the exact formula.
  for (int64_t j = 0; j < cols; ++j) yr[j] = static_cast<float>((xr[j] - m) * rs * weight[j] + bias[j]);
  *mean = static_cast<float>(m);
  *rstd = static_cast<float>(rs);
}

void layer_norm_forward(float* out, float* mean, float* rstd, const float* x, const float* weight,
                        const float* bias, int64_t rows, int64_t cols, float eps) {
#pragma omp parallel for schedule(static) if (rows * cols > 32768)
  for (int64_t r = 0; r < rows; ++r)
    layer_norm_forward_row(out + r * cols, mean + r, rstd + r, x + r * cols, weight, bias, cols, eps);
}

namespace {

// Columns per task of the dweight/dbias pass: one 64-byte cache line of floats, so each task reads
// whole lines of every row and tasks never share a line they write.
constexpr int64_t kColumnBlock = 16;

void layer_norm_backward_dx(float* dx, const float* grad, const float* x, const float* weight,
                            const float* mean, const float* rstd, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    const float* gr = grad + r * cols;
    const float m = mean[r], rs = rstd[r];
    const double sum_dxhat = row_sum(cols, [gr, weight](int64_t j) { return static_cast<double>(gr[j] * weight[j]); });
    const double sum_dxhat_xhat = row_sum(cols, [xr, gr, weight, m, rs](int64_t j) {
      const float xhat = (xr[j] - m) * rs;
      return static_cast<double>(gr[j] * weight[j]) * xhat;
    });
    const float mean_dxhat = static_cast<float>(sum_dxhat / static_cast<double>(cols));
    const float mean_dxhat_xhat = static_cast<float>(sum_dxhat_xhat / static_cast<double>(cols));
    float* dxr = dx + r * cols;
    for (int64_t j = 0; j < cols; ++j) {
      const float xhat = (xr[j] - m) * rs;
      const float dxhat = gr[j] * weight[j];
      dxr[j] = rs * (dxhat - mean_dxhat - xhat * mean_dxhat_xhat);
    }
  }
}

void layer_norm_backward_params(float* dweight, float* dbias, const float* grad, const float* x,
                                const float* mean, const float* rstd, int64_t rows, int64_t cols) {
  const int64_t blocks = (cols + kColumnBlock - 1) / kColumnBlock;
  // Each task owns a block of columns and walks all rows in order: no shared outputs, fixed order.
#pragma omp parallel for schedule(static) if (rows * cols > 32768)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t j0 = b * kColumnBlock;
    const int64_t width = cols - j0 < kColumnBlock ? cols - j0 : kColumnBlock;
    double acc_w[kColumnBlock] = {}, acc_b[kColumnBlock] = {};
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = x + r * cols + j0;
      const float* gr = grad + r * cols + j0;
      const float m = mean[r], rs = rstd[r];
      for (int64_t k = 0; k < width; ++k) {
        const float xhat = (xr[k] - m) * rs;
        acc_w[k] += static_cast<double>(gr[k]) * xhat;
        acc_b[k] += gr[k];
      }
    }
    for (int64_t k = 0; k < width; ++k) {
      dweight[j0 + k] = static_cast<float>(acc_w[k]);
      dbias[j0 + k] = static_cast<float>(acc_b[k]);
    }
  }
}

}  // namespace

void layer_norm_backward(float* dx, float* dweight, float* dbias, const float* grad, const float* x,
                         const float* weight, const float* mean, const float* rstd, int64_t rows,
                         int64_t cols) {
  layer_norm_backward_dx(dx, grad, x, weight, mean, rstd, rows, cols);
  layer_norm_backward_params(dweight, dbias, grad, x, mean, rstd, rows, cols);
}

}  // namespace ponet::cpu
