// The reference GEMM: the plain triple loop in double behind C = alpha op(A) op(B) + beta C
// (kernels/cpu/gemm.h), the oracle of kernels/cpu/gemm.cpp in tests/test_gemm.cpp; bench/bench_gemm.cpp
// times it beside the blocked kernel.
#include "kernels/cpu/gemm.h"

namespace ponet::cpu {

void gemm_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                    int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double acc = 0.0;
      for (int64_t k = 0; k < K; ++k) {
        float a = trans_a ? A[k * lda + i] : A[i * lda + k];
        float b = trans_b ? B[j * ldb + k] : B[k * ldb + j];
        acc += static_cast<double>(a) * b;
      }
      float prev = beta == 0.f ? 0.f : beta * C[i * ldc + j];  // beta 0 ignores NaN in C, as BLAS does
      C[i * ldc + j] = alpha * static_cast<float>(acc) + prev;
    }
}

}  // namespace ponet::cpu
