#include "kernels/cuda/adamw.cuh"
#include "kernels/cuda/cuda_check.cuh"

namespace ponet::cuda {

namespace {
__global__ void adamw_kernel(float* p, const float* g, float* m, float* v, long long n, float lr, float beta1,
                             float beta2, float eps, float wd, float bc1, float bc2) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    m[i] = beta1 * m[i] + (1.f - beta1) * g[i];
    v[i] = beta2 * v[i] + (1.f - beta2) * g[i] * g[i];
    p[i] -= lr * wd * p[i];
    p[i] -= lr * (m[i] / bc1) / (sqrtf(v[i] / bc2) + eps);
  }
}
}  // namespace

void adamw_update(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1, float beta2,
                  float eps, float weight_decay, float bias_correction1, float bias_correction2) {
  if (n == 0) return;
  adamw_kernel<<<blocks_for(n), 256>>>(p, g, m, v, n, lr, beta1, beta2, eps, weight_decay, bias_correction1,
                                       bias_correction2);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
