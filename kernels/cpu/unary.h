// Loops shared by the elementwise activation kernels: each op supplies only its formula. Threads take
// blocks of elements and each block is one plain simd loop (gcc does not vectorise the combined
// `parallel for simd` form of these lambdas).
#pragma once
#include <algorithm>
#include <cstdint>

namespace ponet::cpu {

constexpr int64_t kElementwiseBlock = 8192;

template <class F>
void unary_map(float* out, const float* x, int64_t n, F f) {
  const int64_t blocks = (n + kElementwiseBlock - 1) / kElementwiseBlock;
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t lo = b * kElementwiseBlock, hi = std::min(n, lo + kElementwiseBlock);
#pragma omp simd
    for (int64_t i = lo; i < hi; ++i) out[i] = f(x[i]);
  }
}

// dx[i] = df(x[i], y[i], dy[i])
template <class F>
void unary_grad_map(float* dx, const float* x, const float* y, const float* dy, int64_t n, F df) {
  const int64_t blocks = (n + kElementwiseBlock - 1) / kElementwiseBlock;
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t lo = b * kElementwiseBlock, hi = std::min(n, lo + kElementwiseBlock);
#pragma omp simd
    for (int64_t i = lo; i < hi; ++i) dx[i] = df(x[i], y[i], dy[i]);
  }
}

}  // namespace ponet::cpu
