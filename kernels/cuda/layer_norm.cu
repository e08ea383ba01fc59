// CUDA twin of kernels/cpu/layer_norm.cpp, its reference: LayerNorm over [rows, cols], one block per row,
// column sums in fixed chunks. Checked against the CPU by tests/ops_table/ in device mode (rows
// "layer_norm": build/test_ops device --filter layer_norm); timed by build/test_ops perf.
#include "kernels/cuda/block_reduce.cuh"
#include "core/cuda_check.cuh"
#include "kernels/cuda/layer_norm.cuh"

namespace ponet::cuda {

namespace {

constexpr int kThreads = 256;          // per row in the row kernels
constexpr int64_t kRowsPerChunk = 64;  // rows summed by one thread in stage 1 of dweight/dbias
constexpr unsigned kMaxGrid = 65535;

// One block per row: mean, then the variance around it (two passes in double), then the output.
__global__ void forward_kernel(float* out, float* mean, float* rstd, const float* x, const float* weight,
                               const float* bias, long long rows, long long cols, float eps) {
  for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* xr = x + r * cols;
    double s = 0.0;
    for (long long j = threadIdx.x; j < cols; j += kThreads) s += xr[j];
    const double m = block_reduce(s, SumOp{}, 0.0) / static_cast<double>(cols);
    double ss = 0.0;
    for (long long j = threadIdx.x; j < cols; j += kThreads) {
      const double d = xr[j] - m;
      ss += d * d;
    }
    const double rs = 1.0 / sqrt(block_reduce(ss, SumOp{}, 0.0) / static_cast<double>(cols) + static_cast<double>(eps));
    float* yr = out + r * cols;
    for (long long j = threadIdx.x; j < cols; j += kThreads)
      yr[j] = static_cast<float>((xr[j] - m) * rs * weight[j] + bias[j]);
    if (threadIdx.x == 0) {
      mean[r] = static_cast<float>(m);
      rstd[r] = static_cast<float>(rs);
    }
  }
}

// One block per row: dx from the two row means of dxhat and dxhat * xhat.
__global__ void backward_dx_kernel(float* dx, const float* grad, const float* x, const float* weight,
                                   const float* mean, const float* rstd, long long rows, long long cols) {
  for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* xr = x + r * cols;
    const float* gr = grad + r * cols;
    const float m = mean[r], rs = rstd[r];
    double s1 = 0.0, s2 = 0.0;
    for (long long j = threadIdx.x; j < cols; j += kThreads) {
      const float xhat = (xr[j] - m) * rs;
      const float dxhat = gr[j] * weight[j];
      s1 += dxhat;
      s2 += static_cast<double>(dxhat) * xhat;
    }
    const float mean_dxhat = static_cast<float>(block_reduce(s1, SumOp{}, 0.0) / static_cast<double>(cols));
    const float mean_dxhat_xhat = static_cast<float>(block_reduce(s2, SumOp{}, 0.0) / static_cast<double>(cols));
    float* dxr = dx + r * cols;
    for (long long j = threadIdx.x; j < cols; j += kThreads) {
      const float xhat = (xr[j] - m) * rs;
      const float dxhat = gr[j] * weight[j];
      dxr[j] = rs * (dxhat - mean_dxhat - xhat * mean_dxhat_xhat);
    }
  }
}

// Stage 1 of dweight/dbias: thread (chunk, column) sums its column over the chunk's rows in order.
// Neighbouring threads read neighbouring columns of the same row (coalesced).
__global__ void param_partials_kernel(float* partial_w, float* partial_b, const float* grad, const float* x,
                                      const float* mean, const float* rstd, long long rows, long long cols,
                                      long long chunks) {
  const long long j = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  if (j >= cols) return;
  for (long long c = blockIdx.y; c < chunks; c += gridDim.y) {
    const long long r_end = (c + 1) * kRowsPerChunk < rows ? (c + 1) * kRowsPerChunk : rows;
    double acc_w = 0.0, acc_b = 0.0;
    for (long long r = c * kRowsPerChunk; r < r_end; ++r) {
      const float g = grad[r * cols + j];
      const float xhat = (x[r * cols + j] - mean[r]) * rstd[r];
      acc_w += static_cast<double>(g) * xhat;
      acc_b += g;
    }
    partial_w[c * cols + j] = static_cast<float>(acc_w);
    partial_b[c * cols + j] = static_cast<float>(acc_b);
  }
}

// Stage 2: each column adds its chunk partials in chunk order.
__global__ void param_combine_kernel(float* dweight, float* dbias, const float* partial_w,
                                     const float* partial_b, long long cols, long long chunks) {
  for (long long j = blockIdx.x * (long long)blockDim.x + threadIdx.x; j < cols;
       j += (long long)gridDim.x * blockDim.x) {
    double acc_w = 0.0, acc_b = 0.0;
    for (long long c = 0; c < chunks; ++c) {
      acc_w += partial_w[c * cols + j];
      acc_b += partial_b[c * cols + j];
    }
    dweight[j] = static_cast<float>(acc_w);
    dbias[j] = static_cast<float>(acc_b);
  }
}

unsigned row_grid(int64_t rows) { return static_cast<unsigned>(rows < kMaxGrid * 16 ? rows : kMaxGrid * 16); }

int64_t chunk_count(int64_t rows) { return (rows + kRowsPerChunk - 1) / kRowsPerChunk; }

}  // namespace

void layer_norm_forward(float* out, float* mean, float* rstd, const float* x, const float* weight,
                        const float* bias, int64_t rows, int64_t cols, float eps) {
  if (rows == 0) return;
  forward_kernel<<<row_grid(rows), kThreads>>>(out, mean, rstd, x, weight, bias, rows, cols, eps);
  PONET_CUDA_CHECK_LAUNCH();
}

int64_t layer_norm_backward_workspace(int64_t rows, int64_t cols) { return 2 * chunk_count(rows) * cols; }

void layer_norm_backward(float* dx, float* dweight, float* dbias, float* workspace, const float* grad,
                         const float* x, const float* weight, const float* mean, const float* rstd,
                         int64_t rows, int64_t cols) {
  if (cols == 0) return;
  const int64_t chunks = chunk_count(rows);
  float* partial_w = workspace;
  float* partial_b = workspace + chunks * cols;
  if (rows > 0) {
    backward_dx_kernel<<<row_grid(rows), kThreads>>>(dx, grad, x, weight, mean, rstd, rows, cols);
    PONET_CUDA_CHECK_LAUNCH();
    dim3 grid(static_cast<unsigned>((cols + kThreads - 1) / kThreads),
              static_cast<unsigned>(chunks < kMaxGrid ? chunks : kMaxGrid));
    param_partials_kernel<<<grid, kThreads>>>(partial_w, partial_b, grad, x, mean, rstd, rows, cols, chunks);
    PONET_CUDA_CHECK_LAUNCH();
  }
  // With no rows the combine writes zeros, which is the correct gradient.
  param_combine_kernel<<<blocks_for(cols), 256>>>(dweight, dbias, partial_w, partial_b, cols, chunks);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
