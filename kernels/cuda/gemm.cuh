// GEMM on the GPU, same row-major contract as kernels/cpu/gemm.h.
//   gemm        cuBLAS SGEMM (fp32; TF32 tensor cores when set_tf32(true))
//   gemm_tiled  a hand-written shared-memory tiled kernel, kept for reading and timing
#pragma once
#include <cstdint>

namespace ponet::cuda {

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
void gemm_tiled(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
void set_tf32(bool enabled);

}  // namespace ponet::cuda
