// CUDA twin of kernels/cpu/dropout_add_layer_norm.h: the same sum (same counter-hash mask) and the same
// LayerNorm. Here it is two kernels, an elementwise dropout-add writing the sum and the LayerNorm
// forward reading it, which already saves the dropped temporary and one pass of the unfused chain.
#pragma once
#include <cstdint>

namespace ponet::cuda {

void dropout_add_layer_norm_forward(float* out, float* sum, float* mean, float* rstd, const float* x,
                                    const float* residual, const float* weight, const float* bias, int64_t rows,
                                    int64_t cols, float p, uint64_t seed, float eps);

}  // namespace ponet::cuda
