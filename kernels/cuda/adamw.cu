// CUDA twin of kernels/cpu/adamw.cpp, its reference: one AdamW step over n device floats, a grid-stride
// loop. Checked against the CPU step by tests/test_adamw.cpp (the optimizer has no op-table row); timed
// inside whole training steps by bench/bench_ponet_step.cpp cuda.
#include "kernels/cuda/adamw.cuh"
#include "core/cuda_check.cuh"

namespace ponet::cuda {

namespace {
__global__ void adamw_kernel(float* p, const float* g, float* m, float* v, long long n, float beta1, float beta2,
                             float eps, float decay, float step_size, float inv_sqrt_bc2) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const float gi = g[i];
    const float mi = beta1 * m[i] + (1.f - beta1) * gi;
    const float vi = beta2 * v[i] + (1.f - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - step_size * mi / (sqrtf(vi) * inv_sqrt_bc2 + eps);
  }
}
}  // namespace

void adamw_update(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1, float beta2,
                  float eps, float weight_decay, float bias_correction1, float bias_correction2) {
  if (n == 0) return;
  // The per-step scalars are folded on the host, exactly as the CPU kernel folds them.
  const float decay = 1.f - lr * weight_decay;
  const float step_size = lr / bias_correction1;
  const float inv_sqrt_bc2 = 1.f / sqrtf(bias_correction2);
  adamw_kernel<<<blocks_for(n), 256>>>(p, g, m, v, n, beta1, beta2, eps, decay, step_size, inv_sqrt_bc2);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
