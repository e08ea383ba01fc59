// CUDA twin of kernels/cpu/reduce.cpp, its reference: sum_rows over [rows, cols] (one block per row, or
// two passes over fixed chunks for few long rows) and sum_middle over [outer, mid, inner], in double, no
// atomics. Checked against the CPU by tests/ops_table/ in device mode (rows "sum", "sum_all", "mean",
// "mean_all", "sum_to_shape": build/test_ops device --filter sum,mean); timed in clipping by
// bench/bench_ponet_step.cpp.
#include <algorithm>

#include "core/allocator.h"
#include "core/cuda_check.cuh"
#include "kernels/cuda/reduce.cuh"

namespace ponet::cuda {

namespace {
constexpr int kThreads = 256;  // every kernel below assumes this block size (the tree's shared array)

// The block's 256 double partials added by a fixed-order shared-memory tree; thread 0 gets the sum.
__device__ double tree_sum(double acc) {
  __shared__ double partial[kThreads];
  partial[threadIdx.x] = acc;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) partial[threadIdx.x] += partial[threadIdx.x + s];
    __syncthreads();
  }
  return partial[0];
}

// One block per row; threads stride over the row, then the tree combines the partials.
// Deterministic (fixed order), accumulates in double like the CPU kernel.
__global__ void sum_rows_kernel(float* out, const float* in, long long cols) {
  const float* row = in + blockIdx.x * cols;
  double acc = 0.0;
  for (long long j = threadIdx.x; j < cols; j += blockDim.x) acc += row[j];
  const double total = tree_sum(acc);
  if (threadIdx.x == 0) out[blockIdx.x] = static_cast<float>(total);
}

// Long rows (a whole-tensor sum is one row) are cut into chunks of kChunk elements, one block each:
// partial[row * chunks + chunk] (double). The cut depends on cols only, so the bits do not depend
// on the device either.
constexpr long long kChunk = 64 * kThreads;
__global__ void sum_row_chunks(double* partial, const float* in, long long cols, long long chunks) {
  const long long row = blockIdx.x / chunks, chunk = blockIdx.x % chunks;
  const long long begin = chunk * kChunk, end = min(cols, begin + kChunk);
  const float* x = in + row * cols;
  double acc = 0.0;
  for (long long j = begin + threadIdx.x; j < end; j += blockDim.x) acc += x[j];
  const double total = tree_sum(acc);
  if (threadIdx.x == 0) partial[blockIdx.x] = total;
}

// Second pass: one block per row adds its chunk partials, again in a fixed order.
__global__ void add_row_chunks(float* out, const double* partial, long long chunks) {
  const double* p = partial + blockIdx.x * chunks;
  double acc = 0.0;
  for (long long c = threadIdx.x; c < chunks; c += blockDim.x) acc += p[c];
  const double total = tree_sum(acc);
  if (threadIdx.x == 0) out[blockIdx.x] = static_cast<float>(total);
}

int current_device() {
  int device = 0;
  PONET_CUDA_CHECK(cudaGetDevice(&device));
  return device;
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
  // Enough rows fill the device with one block each; few long rows would leave it idle (a gradient
  // norm is one row of millions), so those are split into chunks and summed in two passes.
  if (rows >= 1024 || cols <= 2 * kChunk) {
    sum_rows_kernel<<<static_cast<unsigned>(rows), kThreads>>>(out, in, cols);
    PONET_CUDA_CHECK_LAUNCH();
    return;
  }
  const int64_t chunks = (cols + kChunk - 1) / kChunk;
  const Device device = Device::cuda(current_device());
  const size_t bytes = static_cast<size_t>(rows * chunks) * sizeof(double);
  double* partial = static_cast<double*>(allocate_bytes(bytes, device));
  sum_row_chunks<<<static_cast<unsigned>(rows * chunks), kThreads>>>(partial, in, cols, chunks);
  PONET_CUDA_CHECK_LAUNCH();
  add_row_chunks<<<static_cast<unsigned>(rows), kThreads>>>(out, partial, chunks);
  PONET_CUDA_CHECK_LAUNCH();
  free_bytes(partial, bytes, device);  // stream-ordered reuse by the caching allocator
}

void sum_middle(float* out, const float* in, int64_t outer, int64_t mid, int64_t inner) {
  if (outer == 0 || inner == 0) return;
  // Enough chunks to fill the device, each at least 256 rows; the partials live in a pooled buffer.
  const int64_t chunks = std::clamp<int64_t>((mid + 255) / 256, 1, 1024);
  const int64_t rows_per_chunk = (mid + chunks - 1) / chunks;
  const size_t bytes = static_cast<size_t>(chunks * outer * inner) * sizeof(double);
  const Device device = Device::cuda(current_device());  // the tensors' device, not always device 0
  double* partial = static_cast<double*>(allocate_bytes(bytes, device));
  const dim3 grid(static_cast<unsigned>((inner + kColumns - 1) / kColumns * outer), 1, static_cast<unsigned>(chunks));
  sum_middle_chunks<<<grid, dim3(kColumns, kRowLanes)>>>(partial, in, mid, inner, outer, rows_per_chunk);
  PONET_CUDA_CHECK_LAUNCH();
  const int64_t n = outer * inner;
  add_chunks<<<static_cast<unsigned>((n + 255) / 256), 256>>>(out, partial, chunks, n);
  PONET_CUDA_CHECK_LAUNCH();
  free_bytes(partial, bytes, device);  // stream-ordered reuse by the caching allocator
}

}  // namespace ponet::cuda
