// CUDA twin of kernels/cpu/transpose.cpp, its reference: batched transpose copy of rows x cols matrices
// through padded 32 x 32 shared tiles. Checked against the CPU by tests/ops_table/ in device mode (rows
// "transpose": build/test_ops device --filter transpose); no bench of its own.
#include <algorithm>

#include "core/cuda_check.cuh"
#include "kernels/cuda/transpose.cuh"

namespace ponet::cuda {

namespace {
constexpr int T = 32;

// Block (32 x 8 threads) per tile. grid.y (row tiles) and grid.z (batches) are capped at the
// hardware's 65535, so each block loops over the tiles and batches its index stands for; the loop
// bounds are the same for the whole block, so the barriers inside are safe.
__global__ void transpose_kernel(float* out, const float* in, long long batches, long long rows, long long cols) {
  __shared__ float tile[T][T + 1];
  const long long row_tiles = (rows + T - 1) / T, c0 = blockIdx.x * static_cast<long long>(T);
  for (long long z = blockIdx.z; z < batches; z += gridDim.z) {
    const float* src = in + z * rows * cols;
    float* dst = out + z * rows * cols;
    for (long long ty = blockIdx.y; ty < row_tiles; ty += gridDim.y) {
      const long long r0 = ty * T;
      for (int i = threadIdx.y; i < T; i += blockDim.y) {
        const long long r = r0 + i, c = c0 + threadIdx.x;
        if (r < rows && c < cols) tile[i][threadIdx.x] = src[r * cols + c];
      }
      __syncthreads();
      for (int i = threadIdx.y; i < T; i += blockDim.y) {
        const long long c = c0 + i, r = r0 + threadIdx.x;  // write row c of the output
        if (r < rows && c < cols) dst[c * rows + r] = tile[threadIdx.x][i];
      }
      __syncthreads();  // the next tile overwrites this one
    }
  }
}

constexpr long long kMaxGridYZ = 65535;
}  // namespace

void transpose_copy(float* out, const float* in, int64_t batches, int64_t rows, int64_t cols) {
  if (batches * rows * cols == 0) return;
  const long long col_tiles = (cols + T - 1) / T, row_tiles = (rows + T - 1) / T;
  PONET_CHECK(col_tiles <= 0x7fffffffLL, "transpose_copy: ", cols, " columns need more than 2^31 - 1 blocks");
  dim3 block(T, 8), grid(static_cast<unsigned>(col_tiles), static_cast<unsigned>(std::min(row_tiles, kMaxGridYZ)),
                         static_cast<unsigned>(std::min<long long>(batches, kMaxGridYZ)));
  transpose_kernel<<<grid, block>>>(out, in, batches, rows, cols);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
