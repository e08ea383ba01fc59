// LayerNorm over the last dim of a contiguous [rows, cols] buffer (any leading dims flattened):
//   out[r, j] = (x[r, j] - mean_r) * rstd_r * weight[j] + bias[j],  rstd_r = 1 / sqrt(var_r + eps)
// with the biased variance var_r = mean_j (x[r, j] - mean_r)^2.
//
// Forward saves mean[rows] and rstd[rows] (float, as llm.c does) so backward never recomputes the
// statistics. Backward, with xhat = (x - mean) * rstd and dxhat = g * weight:
//   dx[r, j]  = rstd_r * (dxhat[r, j] - mean_j dxhat[r, :] - xhat[r, j] * mean_j (dxhat * xhat)[r, :])
//   dweight[j] = sum_r g[r, j] * xhat[r, j],   dbias[j] = sum_r g[r, j]
// The column sums run over rows in a fixed order (no atomics, no per-thread partials whose grouping
// depends on the thread count), so results are bitwise reproducible.
#pragma once
#include <cstdint>

namespace ponet::cpu {

void layer_norm_forward(float* out, float* mean, float* rstd, const float* x, const float* weight,
                        const float* bias, int64_t rows, int64_t cols, float eps);

// One row of layer_norm_forward (also the last step of the fused dropout_add_layer_norm kernel).
void layer_norm_forward_row(float* out_row, float* mean, float* rstd, const float* x_row, const float* weight,
                            const float* bias, int64_t cols, float eps);

// Overwrites dx [rows, cols], dweight [cols] and dbias [cols].
void layer_norm_backward(float* dx, float* dweight, float* dbias, const float* grad, const float* x,
                         const float* weight, const float* mean, const float* rstd, int64_t rows,
                         int64_t cols);

}  // namespace ponet::cpu
