// LayerNorm(dropout(x) + residual) over [rows, cols], fused (kernels/cpu/dropout_add_layer_norm.h). No
// reference kernel beside it: the oracle is the op table's expected values, computed in double. Tested by
// tests/ops_table/ (rows "dropout_add_layer_norm": build/test_ops value --filter dropout_add_layer_norm)
// and tests/test_dropout_add_layer_norm.cpp; no bench of its own.
#include "kernels/cpu/dropout_add_layer_norm.h"

#include "kernels/cpu/layer_norm.h"
#include "kernels/cpu/dropout_multiply.h"

namespace ponet::cpu {

void dropout_add_layer_norm_forward(float* out, float* sum, float* mean, float* rstd, const float* x,
                                    const float* residual, const float* weight, const float* bias, int64_t rows,
                                    int64_t cols, float p, uint64_t seed, float eps) {
#pragma omp parallel for schedule(static) if (rows * cols > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t base = r * cols;
    float* sr = sum + base;
    if (p > 0.f) {
      dropout_multiply(sr, x + base, cols, seed, static_cast<uint64_t>(base), p);
      for (int64_t j = 0; j < cols; ++j) sr[j] += residual[base + j];
    } else {
      for (int64_t j = 0; j < cols; ++j) sr[j] = x[base + j] + residual[base + j];
    }
    layer_norm_forward_row(out + base, mean + r, rstd + r, sr, weight, bias, cols, eps);  // sr is still in L1
  }
}

}  // namespace ponet::cpu
