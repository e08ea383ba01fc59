#include "kernels/cpu/relu.h"

#include <cmath>

namespace ponet::cpu {

void relu_forward(float* out, const float* x_ptr, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    const float x = x_ptr[i];
    out[i] = (x > 0.f ? x : 0.f);
  }
}

void relu_backward(float* dx, const float* x_ptr, const float* y_ptr, const float* dout, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    const float x = x_ptr[i], y = y_ptr[i], g = dout[i];
    (void)x;
    (void)y;
    dx[i] = (x > 0.f ? g : 0.f);
  }
}

}  // namespace ponet::cpu
