// The bf16 GEMM's oracle (kernels/cpu/gemm_bf16.h): each element of A and B rounded to bf16 on its own
// (core/bfloat16.h), the exact products summed in double; tests/test_gemm_bf16.cpp and the op table's bf16 rows compare
// kernels/cpu/gemm_bf16.cpp with it.
#include "core/bfloat16.h"
#include "kernels/cpu/gemm_bf16.h"

namespace ponet::cpu {

void gemm_bf16_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                         int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double acc = 0.0;
      for (int64_t k = 0; k < K; ++k) {
        const float a = round_to_bf16(trans_a ? A[k * lda + i] : A[i * lda + k]);
        const float b = round_to_bf16(trans_b ? B[j * ldb + k] : B[k * ldb + j]);
        acc += static_cast<double>(a) * b;
      }
      const float prev = beta == 0.f ? 0.f : beta * C[i * ldc + j];  // beta 0 ignores NaN in C, as BLAS does
      C[i * ldc + j] = alpha * static_cast<float>(acc) + prev;
    }
}

}  // namespace ponet::cpu
