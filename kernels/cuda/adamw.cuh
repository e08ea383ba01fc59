// CUDA twin of kernels/cpu/adamw.h: one AdamW step on device buffers, same formulas and argument order.
#pragma once
#include <cstdint>

namespace ponet::cuda {

void adamw_update(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1, float beta2,
                  float eps, float weight_decay, float bias_correction1, float bias_correction2);

}  // namespace ponet::cuda
