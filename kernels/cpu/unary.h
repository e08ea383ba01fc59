// Loops shared by the elementwise activation kernels: each op supplies only its formula.
#pragma once
#include <cstdint>

namespace ponet::cpu {

template <class F>
void unary_map(float* out, const float* x, int64_t n, F f) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) out[i] = f(x[i]);
}

// dx[i] = df(x[i], y[i], dy[i])
template <class F>
void unary_grad_map(float* dx, const float* x, const float* y, const float* dy, int64_t n, F df) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) dx[i] = df(x[i], y[i], dy[i]);
}

}  // namespace ponet::cpu
