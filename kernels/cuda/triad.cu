// CUDA twin of kernels/cpu/triad.cpp, its reference: the STREAM triad a[i] = b[i] + s * c[i] over n
// device floats, the GPU bandwidth probe of `ponet profile` (apps/machine_limits.h). Checked against the
// CPU by tests/test_triad.cpp (no op-table row: it is not an op); it is itself the bench.
#include "core/cuda_check.cuh"
#include "kernels/cuda/triad.cuh"

namespace ponet::cuda {

namespace {
__global__ void triad_kernel(float* a, const float* b, const float* c, float s, long long n) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    a[i] = b[i] + s * c[i];
}
}  // namespace

void triad(float* a, const float* b, const float* c, float s, int64_t n) {
  if (n == 0) return;
  triad_kernel<<<blocks_for(n), 256>>>(a, b, c, s, n);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
