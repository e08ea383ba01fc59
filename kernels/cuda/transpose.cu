#include "core/cuda_check.cuh"
#include "kernels/cuda/transpose.cuh"

namespace ponet::cuda {

namespace {
constexpr int T = 32;

// Block (32 x 8 threads) per tile; grid.z runs over the batch.
__global__ void transpose_kernel(float* out, const float* in, long long rows, long long cols) {
  __shared__ float tile[T][T + 1];
  const float* src = in + blockIdx.z * rows * cols;
  float* dst = out + blockIdx.z * rows * cols;
  const long long c0 = blockIdx.x * T, r0 = blockIdx.y * T;
  for (int i = threadIdx.y; i < T; i += blockDim.y) {
    const long long r = r0 + i, c = c0 + threadIdx.x;
    if (r < rows && c < cols) tile[i][threadIdx.x] = src[r * cols + c];
  }
  __syncthreads();
  for (int i = threadIdx.y; i < T; i += blockDim.y) {
    const long long c = c0 + i, r = r0 + threadIdx.x;  // write row c of the output
    if (r < rows && c < cols) dst[c * rows + r] = tile[threadIdx.x][i];
  }
}
}  // namespace

void transpose_copy(float* out, const float* in, int64_t batches, int64_t rows, int64_t cols) {
  if (batches * rows * cols == 0) return;
  dim3 block(T, 8), grid(static_cast<unsigned>((cols + T - 1) / T), static_cast<unsigned>((rows + T - 1) / T),
                         static_cast<unsigned>(batches));
  transpose_kernel<<<grid, block>>>(out, in, rows, cols);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
