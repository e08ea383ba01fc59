// The fused tail of a post-LN residual block: out = LayerNorm(dropout(x) + residual), one pass per row.
// Unfused it is three passes over memory and two temporaries (the dropped x, the sum); fused, x and the
// residual are read once and the sum (which LayerNorm's backward needs) and the output written once.
//   sum[i] = x[i] * dropout_scale(seed, i, p) + residual[i]      (kernels/dropout_hash.h; p = 0: no dropout)
//   out, mean, rstd = layer_norm_forward(sum, weight, bias, eps)  (kernels/cpu/layer_norm.h)
// The element index i runs over the whole [rows, cols] buffer, so the mask is exactly the one the
// dropout op draws for the same seed. Backward is LayerNorm's backward followed by the same mask.
#pragma once
#include <cstdint>

namespace ponet::cpu {

void dropout_add_layer_norm_forward(float* out, float* sum, float* mean, float* rstd, const float* x,
                                    const float* residual, const float* weight, const float* bias, int64_t rows,
                                    int64_t cols, float p, uint64_t seed, float eps);

}  // namespace ponet::cpu
