// One AdamW step on a contiguous float buffer of n elements (PyTorch's torch.optim.AdamW order):
//   p -= lr * weight_decay * p                         (decoupled decay, before the Adam update)
//   m  = beta1 * m + (1 - beta1) * g
//   v  = beta2 * v + (1 - beta2) * g * g
//   p -= lr / bias_correction1 * m / (sqrt(v) / sqrt(bias_correction2) + eps)
// bias_correction1 = 1 - beta1^t and bias_correction2 = 1 - beta2^t for step t (1-based). p, m, v are
// updated in place; g is read only. Pass weight_decay = 0 for parameters that are not decayed.
#pragma once
#include <cstdint>

namespace ponet::cpu {

void adamw_update(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1, float beta2,
                  float eps, float weight_decay, float bias_correction1, float bias_correction2);

}  // namespace ponet::cpu
