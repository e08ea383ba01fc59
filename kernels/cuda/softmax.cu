// CUDA twin of kernels/cpu/softmax.cpp, its reference: softmax and log-softmax over the last dim of
// [rows, cols], one block per row. Checked against the CPU by tests/ops_table/ in device mode (rows
// "softmax", "log_softmax": build/test_ops device --filter softmax); timed by build/test_ops perf
// cuda.
#include "kernels/cuda/block_reduce.cuh"
#include "core/cuda_check.cuh"
#include "kernels/cuda/softmax.cuh"

namespace ponet::cuda {

namespace {

// One block per row.
template <bool log_form>
__global__ void softmax_forward_kernel(float* y, const float* x, long long cols) {
  const float* xr = x + blockIdx.x * cols;
  float* yr = y + blockIdx.x * cols;
  float mx = -INFINITY;
  for (long long j = threadIdx.x; j < cols; j += blockDim.x) mx = fmaxf(mx, xr[j]);
  mx = block_reduce(mx, MaxOp{}, -INFINITY);
  double sum = 0.0;
  for (long long j = threadIdx.x; j < cols; j += blockDim.x) sum += exp(static_cast<double>(xr[j] - mx));
  sum = block_reduce(sum, SumOp{}, 0.0);
  const float lse = mx + static_cast<float>(log(sum));
  for (long long j = threadIdx.x; j < cols; j += blockDim.x)
    yr[j] = log_form ? xr[j] - lse : static_cast<float>(exp(static_cast<double>(xr[j] - mx)) / sum);
}

template <bool log_form>
__global__ void softmax_backward_kernel(float* dx, const float* y, const float* g, long long cols) {
  const float *yr = y + blockIdx.x * cols, *gr = g + blockIdx.x * cols;
  double acc = 0.0;
  for (long long j = threadIdx.x; j < cols; j += blockDim.x) acc += log_form ? gr[j] : static_cast<double>(gr[j]) * yr[j];
  const float total = static_cast<float>(block_reduce(acc, SumOp{}, 0.0));
  for (long long j = threadIdx.x; j < cols; j += blockDim.x)
    dx[blockIdx.x * cols + j] = log_form ? gr[j] - expf(yr[j]) * total : yr[j] * (gr[j] - total);
}

}  // namespace

void softmax_forward(float* y, const float* x, int64_t rows, int64_t cols) {
  if (rows == 0) return;
  softmax_forward_kernel<false><<<static_cast<unsigned>(rows), 256>>>(y, x, cols);
  PONET_CUDA_CHECK_LAUNCH();
}
void softmax_backward(float* dx, const float* y, const float* g, int64_t rows, int64_t cols) {
  if (rows == 0) return;
  softmax_backward_kernel<false><<<static_cast<unsigned>(rows), 256>>>(dx, y, g, cols);
  PONET_CUDA_CHECK_LAUNCH();
}
void log_softmax_forward(float* y, const float* x, int64_t rows, int64_t cols) {
  if (rows == 0) return;
  softmax_forward_kernel<true><<<static_cast<unsigned>(rows), 256>>>(y, x, cols);
  PONET_CUDA_CHECK_LAUNCH();
}
void log_softmax_backward(float* dx, const float* y, const float* g, int64_t rows, int64_t cols) {
  if (rows == 0) return;
  softmax_backward_kernel<true><<<static_cast<unsigned>(rows), 256>>>(dx, y, g, cols);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
