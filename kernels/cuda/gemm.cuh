// GEMM on the GPU, same row-major contract as kernels/cpu/gemm.h.
//   gemm        cuBLAS SGEMM: fp32, or TF32 tensor cores when cuda_tf32() (core/device.h) says so
//   gemm_tiled  a hand-written shared-memory tiled kernel, kept for reading and timing
#pragma once
#include <cstdint>

namespace ponet::cuda {

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
void gemm_tiled(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
// Row-major C_i = alpha op(A_i) op(B_i) + beta C_i for i < batch, X_i = X + i * stride_x (cuBLAS
// strided-batched SGEMM on the same handle and math mode as gemm).
void gemm_strided_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                          int64_t lda, int64_t stride_a, const float* B, int64_t ldb, int64_t stride_b, float beta,
                          float* C, int64_t ldc, int64_t stride_c, int64_t batch);
// The bf16 mixed-precision GEMM (contract of kernels/cpu/gemm_bf16.h): op(A) and op(B) (fp32, on the
// device) are rounded to bf16 by an elementwise kernel (round to nearest even) into scratch buffers,
// then cublasGemmEx multiplies them with CUBLAS_COMPUTE_32F into the fp32 C.
void gemm_bf16(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
               const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

}  // namespace ponet::cuda
