// CUDA twin of kernels/cpu/layer_norm.h: same formulas, same saved mean/rstd, device pointers.
// The dweight/dbias reduction runs in two deterministic stages (fixed-size row chunks, then the chunks
// in order), so backward also takes a device workspace of layer_norm_backward_workspace(rows, cols)
// floats, which the caller allocates (through the caching allocator, as a tensor).
#pragma once
#include <cstdint>

namespace ponet::cuda {

void layer_norm_forward(float* out, float* mean, float* rstd, const float* x, const float* weight,
                        const float* bias, int64_t rows, int64_t cols, float eps);

int64_t layer_norm_backward_workspace(int64_t rows, int64_t cols);

void layer_norm_backward(float* dx, float* dweight, float* dbias, float* workspace, const float* grad,
                         const float* x, const float* weight, const float* mean, const float* rstd,
                         int64_t rows, int64_t cols);

}  // namespace ponet::cuda
