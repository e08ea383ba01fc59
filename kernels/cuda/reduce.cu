#include <algorithm>

#include "core/allocator.h"
#include "core/cuda_check.cuh"
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

constexpr int kColumns = 32, kRowLanes = 8;

// Block (32 columns x 8 row lanes) over one column tile of one slab (both from blockIdx.x, whose range
// is the largest) and one chunk of the slab's rows (blockIdx.z): consecutive threads read consecutive columns (coalesced), the 8 lanes split the rows,
// and a fixed-order tree adds the lanes. Writes partial[chunk][o][i] (double, so the second pass that
// adds the chunks loses nothing).
__global__ void sum_middle_chunks(double* partial, const float* in, long long mid, long long inner,
                                  long long outer, long long rows_per_chunk) {
  __shared__ double lanes[kRowLanes][kColumns];
  const long long tiles = (inner + kColumns - 1) / kColumns;
  const long long o = blockIdx.x / tiles, i = (blockIdx.x % tiles) * kColumns + threadIdx.x;
  const long long chunk = blockIdx.z;
  const long long m0 = chunk * rows_per_chunk, m1 = min(mid, m0 + rows_per_chunk);
  double acc = 0.0;
  if (i < inner)
    for (long long m = m0 + threadIdx.y; m < m1; m += kRowLanes) acc += in[(o * mid + m) * inner + i];
  lanes[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && i < inner) {
    double s = 0.0;
    for (int k = 0; k < kRowLanes; ++k) s += lanes[k][threadIdx.x];
    partial[(chunk * outer + o) * inner + i] = s;
  }
}

__global__ void add_chunks(float* out, const double* partial, long long chunks, long long outer_inner) {
  const long long j = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (j >= outer_inner) return;
  double s = 0.0;
  for (long long c = 0; c < chunks; ++c) s += partial[c * outer_inner + j];
  out[j] = static_cast<float>(s);
}
}  // namespace

void sum_rows(float* out, const float* in, int64_t rows, int64_t cols) {
  if (rows == 0) return;
  sum_rows_kernel<<<static_cast<unsigned>(rows), 256>>>(out, in, cols);
  PONET_CUDA_CHECK_LAUNCH();
}

void sum_middle(float* out, const float* in, int64_t outer, int64_t mid, int64_t inner) {
  if (outer == 0 || inner == 0) return;
  // Enough chunks to fill the device, each at least 256 rows; the partials live in a pooled buffer.
  const int64_t chunks = std::clamp<int64_t>((mid + 255) / 256, 1, 1024);
  const int64_t rows_per_chunk = (mid + chunks - 1) / chunks;
  const size_t bytes = static_cast<size_t>(chunks * outer * inner) * sizeof(double);
  double* partial = static_cast<double*>(allocate_bytes(bytes, Device::cuda(0)));
  const dim3 grid(static_cast<unsigned>((inner + kColumns - 1) / kColumns * outer), 1, static_cast<unsigned>(chunks));
  sum_middle_chunks<<<grid, dim3(kColumns, kRowLanes)>>>(partial, in, mid, inner, outer, rows_per_chunk);
  PONET_CUDA_CHECK_LAUNCH();
  const int64_t n = outer * inner;
  add_chunks<<<static_cast<unsigned>((n + 255) / 256), 256>>>(out, partial, chunks, n);
  PONET_CUDA_CHECK_LAUNCH();
  free_bytes(partial, bytes, Device::cuda(0));  // stream-ordered reuse by the caching allocator
}

}  // namespace ponet::cuda
