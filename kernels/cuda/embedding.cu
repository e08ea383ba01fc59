// CUDA twin of kernels/cpu/embedding.cpp, its reference: embedding gather [vocab, dim] x ids [n] -> [n,
// dim] and its grouped backward. Checked against the CPU by tests/ops_table/ in device mode (rows
// "embedding": build/test_ops device --filter embedding) and by tests/test_embedding.cpp (errors on the
// GPU); no bench of its own.
#include "core/cuda_check.cuh"
#include "kernels/cuda/embedding.cuh"

namespace ponet::cuda {

namespace {

constexpr unsigned kMaxGrid = 65535u * 16;

// One thread per output element (grid-stride): consecutive threads copy consecutive columns.
__global__ void forward_kernel(float* out, const float* weight, const int64_t* ids, long long n,
                               long long dim) {
  const long long total = n * dim;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
       i += (long long)gridDim.x * blockDim.x) {
    const long long p = i / dim, j = i - p * dim;
    out[i] = weight[ids[p] * dim + j];
  }
}

// One block per vocabulary row; its threads split the columns and each walks the row's positions in
// order. Every output element has exactly one writer, so no atomics are needed.
__global__ void backward_kernel(float* dweight, const float* grad, const int64_t* offsets,
                                const int64_t* positions, long long vocab, long long dim,
                                long long padding_idx) {
  for (long long v = blockIdx.x; v < vocab; v += gridDim.x) {
    const long long begin = offsets[v], end = v == padding_idx ? begin : offsets[v + 1];
    for (long long j = threadIdx.x; j < dim; j += blockDim.x) {
      float acc = 0.f;
      for (long long k = begin; k < end; ++k) acc += grad[positions[k] * dim + j];
      dweight[v * dim + j] = acc;
    }
  }
}

}  // namespace

void embedding_forward(float* out, const float* weight, const int64_t* ids, int64_t n, int64_t dim) {
  if (n * dim == 0) return;
  forward_kernel<<<blocks_for(n * dim), 256>>>(out, weight, ids, n, dim);
  PONET_CUDA_CHECK_LAUNCH();
}

void embedding_backward(float* dweight, const float* grad, const int64_t* offsets, const int64_t* positions,
                        int64_t vocab, int64_t dim, int64_t padding_idx) {
  if (vocab * dim == 0) return;
  const unsigned grid = static_cast<unsigned>(vocab < kMaxGrid ? vocab : kMaxGrid);
  const int threads = dim >= 256 ? 256 : (dim >= 128 ? 128 : 32);
  backward_kernel<<<grid, threads>>>(dweight, grad, offsets, positions, vocab, dim, padding_idx);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
