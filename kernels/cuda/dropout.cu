// CUDA twin of kernels/cpu/dropout.cpp, its reference: inverted dropout over n device floats with the
// same counter-hash mask. Checked against the CPU by tests/ops_table/ in device mode (rows "dropout":
// build/test_ops device --filter dropout); no bench of its own.
#include "core/cuda_check.cuh"
#include "kernels/cuda/dropout.cuh"
#include "kernels/dropout_hash.h"

namespace ponet::cuda {

namespace {
__global__ void dropout_kernel(float* out, const float* x, long long n, float p, unsigned long long seed) {
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<long long>(gridDim.x) * blockDim.x)
    out[i] = x[i] * dropout_scale(seed, static_cast<uint64_t>(i), p);
}
}  // namespace

void dropout_apply(float* out, const float* x, int64_t n, float p, uint64_t seed) {
  if (n == 0) return;
  const long long blocks = std::min<long long>((n + 255) / 256, 65535);
  dropout_kernel<<<static_cast<unsigned>(blocks), 256>>>(out, x, n, p, seed);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
