// CUDA twin of kernels/cpu/dropout_add_layer_norm.cpp, its reference: LayerNorm(dropout(x) + residual)
// over [rows, cols], as two kernels. Checked against the CPU by tests/ops_table/ in device mode (rows
// "dropout_add_layer_norm": build/test_ops device --filter dropout_add_layer_norm); no bench of its own.
#include "core/cuda_check.cuh"
#include "kernels/cuda/dropout_add_layer_norm.cuh"
#include "kernels/cuda/layer_norm.cuh"
#include "kernels/dropout_hash.h"

namespace ponet::cuda {

namespace {
__global__ void dropout_add_kernel(float* sum, const float* x, const float* residual, long long n, float p,
                                   unsigned long long seed) {
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<long long>(gridDim.x) * blockDim.x)
    sum[i] = (p > 0.f ? x[i] * dropout_scale(seed, static_cast<uint64_t>(i), p) : x[i]) + residual[i];
}
}  // namespace

void dropout_add_layer_norm_forward(float* out, float* sum, float* mean, float* rstd, const float* x,
                                    const float* residual, const float* weight, const float* bias, int64_t rows,
                                    int64_t cols, float p, uint64_t seed, float eps) {
  const long long n = rows * cols;
  if (n == 0) return;
  dropout_add_kernel<<<blocks_for(n), 256>>>(sum, x, residual, n, p, seed);
  PONET_CUDA_CHECK_LAUNCH();
  layer_norm_forward(out, mean, rstd, sum, weight, bias, rows, cols, eps);
}

}  // namespace ponet::cuda
