// CUDA twin of kernels/cpu/scale.cpp, its reference: out[i] = in[i] * factor + offset over n device
// floats. Checked against the CPU by tests/ops_table/ in device mode (rows "scale", "add_scalar":
// build/test_ops device --filter scale,add_scalar); no bench of its own.
#include "core/cuda_check.cuh"
#include "kernels/cuda/scale.cuh"

namespace ponet::cuda {

namespace {
__global__ void scale_kernel(float* out, const float* in, long long n, float factor, float offset) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    out[i] = in[i] * factor + offset;
}
}  // namespace

void scale_forward(float* out, const float* in, int64_t n, float factor, float offset) {
  if (n == 0) return;
  scale_kernel<<<blocks_for(n), 256>>>(out, in, n, factor, offset);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
