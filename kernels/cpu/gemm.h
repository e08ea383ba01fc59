// Row-major SGEMM: C = alpha * op(A) op(B) + beta * C, op(X) = X or X^T, like BLAS's sgemm with
// row-major storage. A is [M, K] (or [K, M] when trans_a), B is [K, N] (or [N, K] when trans_b).
#pragma once
#include <cstdint>

namespace ponet::cpu {

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// The same blocked GEMM with the portable, compiler-vectorised micro-kernel instead of the fastest one
// the build has (kernels/cpu/gemm_micro_kernel.h): the reference the fast kernel is tested and timed against.
void gemm_portable(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                   int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// The micro-kernel gemm() uses: the fastest the build has ("avx512" on an AVX-512 build), or "portable"
// when the environment says PONET_GEMM_KERNEL=portable (to time or rule out the intrinsics kernel in a
// whole program). Another value throws ponet::Error naming it, at the first call of either function.
const char* gemm_micro_kernel_name();

// The value of PONET_GEMM_KERNEL as a kernel name (nullptr or "" = the default); throws on an unknown one.
const char* parse_gemm_micro_kernel(const char* value);

// C = beta * C over an M x N block (beta 0 writes zeros, whatever C held): the whole GEMM when there is
// no product (K == 0 or alpha == 0), for the fp32 and the bf16 GEMM alike.
void gemm_scale_c(int64_t M, int64_t N, float beta, float* C, int64_t ldc);

// The plain triple loop (accumulating in double), the oracle for gemm() in the tests.
void gemm_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                    int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

}  // namespace ponet::cpu
