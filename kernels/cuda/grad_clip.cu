// Gradient norm and clipping on the device (contract in kernels/cuda/grad_clip.cuh). Checked against
// the CPU loop of train/grad_clip.cpp by tests/test_grad_clip.cpp (gpu suite); timed in clipping by
// bench/bench_mixers.cpp cuda (one training step includes the clip).
#include <cmath>

#include "core/cuda_check.cuh"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/grad_clip.cuh"

namespace ponet::cuda {

namespace {

constexpr int kThreads = 256;
constexpr long long kChunk = 64 * kThreads;  // elements per partial; depends on nothing but n

// One block per chunk: the squares of its elements in double, then the block's fixed-order tree.
__global__ void squared_norm_partials_kernel(double* partial, const float* x, long long n) {
  const long long begin = blockIdx.x * kChunk, end = min(n, begin + kChunk);
  double acc = 0.0;
  for (long long i = begin + threadIdx.x; i < end; i += blockDim.x) {
    const double v = x[i];
    acc += v * v;
  }
  acc = block_reduce(acc, SumOp{}, 0.0);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

__global__ void grad_norm_finish_kernel(double* norm, float* factor, const double* partial, long long count,
                                        double host_part, double max_norm) {
  double acc = 0.0;
  for (long long i = threadIdx.x; i < count; i += blockDim.x) acc += partial[i];
  acc = block_reduce(acc, SumOp{}, 0.0);
  if (threadIdx.x == 0) {
    const double n = sqrt(host_part + acc);
    norm[0] = n;
    // the host's rule (train/grad_clip.cpp): clip only a finite norm above max_norm
    factor[0] = isfinite(n) && n > max_norm ? static_cast<float>(max_norm / (n + 1e-6)) : 1.f;
  }
}

__global__ void scale_by_device_factor_kernel(float* out, const float* x, const float* factor, long long n) {
  const float f = factor[0];
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<long long>(gridDim.x) * blockDim.x)
    out[i] = x[i] * f;
}

}  // namespace

int64_t squared_norm_partial_count(int64_t n) { return (n + kChunk - 1) / kChunk; }

void squared_norm_partials(double* partial, const float* x, int64_t n) {
  const int64_t chunks = squared_norm_partial_count(n);
  if (chunks == 0) return;
  squared_norm_partials_kernel<<<static_cast<unsigned>(chunks), kThreads>>>(partial, x, n);
  PONET_CUDA_CHECK_LAUNCH();
}

void grad_norm_finish(double* norm, float* factor, const double* partial, int64_t count, double host_part,
                      double max_norm) {
  grad_norm_finish_kernel<<<1, kThreads>>>(norm, factor, partial, count, host_part, max_norm);
  PONET_CUDA_CHECK_LAUNCH();
}

void scale_by_device_factor(float* out, const float* x, const float* factor, int64_t n) {
  if (n == 0) return;
  scale_by_device_factor_kernel<<<blocks_for(n), kThreads>>>(out, x, factor, n);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
