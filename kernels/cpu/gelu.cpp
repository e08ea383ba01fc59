#include "kernels/cpu/gelu.h"

#include <cmath>

namespace ponet::cpu {

void gelu_forward(float* out, const float* x_ptr, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    const float x = x_ptr[i];
    out[i] = 0.5f * x * (1.f + erff(x * 0.70710678118654752f));
  }
}

void gelu_backward(float* dx, const float* x_ptr, const float* y_ptr, const float* dout, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    const float x = x_ptr[i], y = y_ptr[i], g = dout[i];
    (void)x;
    (void)y;
    dx[i] = g * (0.5f * (1.f + erff(x * 0.70710678118654752f)) + x * 0.39894228040143268f * expf(-0.5f * x * x));
  }
}

}  // namespace ponet::cpu
