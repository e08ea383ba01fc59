// Row-major SGEMM: C = alpha * op(A) op(B) + beta * C, op(X) = X or X^T, like BLAS's sgemm with
// row-major storage. A is [M, K] (or [K, M] when trans_a), B is [K, N] (or [N, K] when trans_b).
#pragma once
#include <cstdint>

namespace ponet::cpu {

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// The plain triple loop (accumulating in double), the oracle for gemm() in the tests.
void gemm_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                    int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

}  // namespace ponet::cpu
