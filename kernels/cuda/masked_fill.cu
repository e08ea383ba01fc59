// CUDA twin of kernels/cpu/masked_fill.cpp, its reference: out[i] = mask[i] ? value : x[i] over device
// buffers, a grid-stride loop. Checked against the CPU by tests/ops_table/ in device mode (rows
// "masked_fill": build/test_ops device --filter masked_fill); timed by build/test_ops perf.
#include "core/cuda_check.cuh"
#include "kernels/cuda/masked_fill.cuh"

namespace ponet::cuda {

namespace {
__global__ void masked_fill_kernel(float* out, const float* x, const int64_t* mask, long long n, float value) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    out[i] = mask[i] != 0 ? value : x[i];
}
}  // namespace

void masked_fill_forward(float* out, const float* x, const int64_t* mask, int64_t n, float value) {
  if (n == 0) return;
  masked_fill_kernel<<<blocks_for(n), 256>>>(out, x, mask, n, value);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
