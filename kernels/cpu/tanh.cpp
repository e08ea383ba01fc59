#include "kernels/cpu/tanh.h"

#include <cmath>

namespace ponet::cpu {

void tanh_forward(float* out, const float* x_ptr, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    const float x = x_ptr[i];
    out[i] = tanhf(x);
  }
}

void tanh_backward(float* dx, const float* x_ptr, const float* y_ptr, const float* dout, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    const float x = x_ptr[i], y = y_ptr[i], g = dout[i];
    (void)x;
    (void)y;
    dx[i] = g * (1.f - y * y);
  }
}

}  // namespace ponet::cpu
