// One AdamW step over n contiguous floats, p, m, v updated in place (kernels/cpu/adamw.h). No reference
// kernel beside it; the optimizer is not an op, so no op-table row: tested by tests/test_adamw.cpp; timed
// inside whole training steps by bench/bench_ponet_step.cpp.
#include "kernels/cpu/adamw.h"

#include <cmath>

namespace ponet::cpu {

void adamw_update(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1, float beta2,
                  float eps, float weight_decay, float bias_correction1, float bias_correction2) {
  const float decay = 1.f - lr * weight_decay;
  const float step_size = lr / bias_correction1;
  const float inv_sqrt_bc2 = 1.f / std::sqrt(bias_correction2);
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i];
    const float mi = beta1 * m[i] + (1.f - beta1) * gi;
    const float vi = beta2 * v[i] + (1.f - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - step_size * mi / (std::sqrt(vi) * inv_sqrt_bc2 + eps);
  }
}

}  // namespace ponet::cpu
