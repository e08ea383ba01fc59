// Softmax and log-softmax over the last dim of [rows, cols] (kernels/cpu/softmax.h). No reference kernel
// beside it: the oracle is the op table's expected values, computed in double. Tested by tests/ops_table/
// (rows "softmax", "log_softmax": build/test_ops value --filter softmax) and tests/test_softmax.cpp;
// timed by build/test_ops perf.
#include "kernels/cpu/softmax.h"

#include <cmath>

namespace ponet::cpu {

namespace {
// max and sum of exp(x - max) of one row, the sum in double
void row_stats(const float* x, int64_t cols, float& mx, double& sum) {
  mx = -INFINITY;
  for (int64_t j = 0; j < cols; ++j) mx = std::max(mx, x[j]);
  sum = 0.0;
  for (int64_t j = 0; j < cols; ++j) sum += std::exp(static_cast<double>(x[j] - mx));
}
}  // namespace

void softmax_forward(float* y, const float* x, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    float mx;
    double sum;
    row_stats(xr, cols, mx, sum);
    for (int64_t j = 0; j < cols; ++j) yr[j] = static_cast<float>(std::exp(static_cast<double>(xr[j] - mx)) / sum);
  }
}

void softmax_backward(float* dx, const float* y, const float* g, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const float *yr = y + r * cols, *gr = g + r * cols;
    double dot = 0.0;
    for (int64_t j = 0; j < cols; ++j) dot += static_cast<double>(gr[j]) * yr[j];
    for (int64_t j = 0; j < cols; ++j) dx[r * cols + j] = yr[j] * (gr[j] - static_cast<float>(dot));
  }
}

void log_softmax_forward(float* y, const float* x, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float mx;
    double sum;
    row_stats(xr, cols, mx, sum);
    const float lse = mx + static_cast<float>(std::log(sum));
    for (int64_t j = 0; j < cols; ++j) y[r * cols + j] = xr[j] - lse;
  }
}

void log_softmax_backward(float* dx, const float* y, const float* g, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const float *yr = y + r * cols, *gr = g + r * cols;
    double total = 0.0;
    for (int64_t j = 0; j < cols; ++j) total += gr[j];
    for (int64_t j = 0; j < cols; ++j) dx[r * cols + j] = gr[j] - std::exp(yr[j]) * static_cast<float>(total);
  }
}

}  // namespace ponet::cpu
