#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/reduce.cuh"

namespace ponet::cuda {

namespace {
// One block per row; threads stride over the row, then a shared-memory tree combines the partials.
// Deterministic (fixed order), accumulates in double like the CPU kernel.
__global__ void sum_rows_kernel(float* out, const float* in, long long cols) {
  __shared__ double partial[256];
  const float* row = in + blockIdx.x * cols;
  double acc = 0.0;
  for (long long j = threadIdx.x; j < cols; j += blockDim.x) acc += row[j];
  partial[threadIdx.x] = acc;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) partial[threadIdx.x] += partial[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[blockIdx.x] = static_cast<float>(partial[0]);
}
}  // namespace

void sum_rows(float* out, const float* in, int64_t rows, int64_t cols) {
  if (rows == 0) return;
  sum_rows_kernel<<<static_cast<unsigned>(rows), 256>>>(out, in, cols);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
