// One AdamW update over n contiguous elements (p, g, m, v all the same length):
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= lr * wd * p;  p -= lr * (m / bc1) / (sqrt(v / bc2) + eps)      bc = 1 - beta^t
#pragma once
#include <cstdint>

namespace ponet::cpu {

void adamw_update(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1, float beta2,
                  float eps, float weight_decay, float bias_correction1, float bias_correction2);

}  // namespace ponet::cpu
