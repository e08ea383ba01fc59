#include "core/cuda_check.cuh"
#include "kernels/cuda/gemm.cuh"

namespace ponet::cuda {

namespace {

bool g_tf32 = false;

cublasHandle_t handle() {
  static cublasHandle_t h = [] {
    cublasHandle_t created;
    PONET_CUBLAS_CHECK(cublasCreate(&created));
    return created;
  }();
  PONET_CUBLAS_CHECK(cublasSetMathMode(h, g_tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  return h;
}

constexpr int TILE = 32;

// One 32x32 tile of C per block; each step stages a 32x32 tile of op(A) and op(B) in shared memory.
__global__ void gemm_tiled_kernel(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda,
                                  const float* B, int ldb, float beta, float* C, int ldc) {
  __shared__ float As[TILE][TILE + 1];
  __shared__ float Bs[TILE][TILE + 1];
  const int row = blockIdx.y * TILE + threadIdx.y, col = blockIdx.x * TILE + threadIdx.x;
  float acc = 0.f;
  for (int k0 = 0; k0 < K; k0 += TILE) {
    int ka = k0 + threadIdx.x, kb = k0 + threadIdx.y;
    As[threadIdx.y][threadIdx.x] = (row < M && ka < K) ? (ta ? A[ka * lda + row] : A[row * lda + ka]) : 0.f;
    Bs[threadIdx.y][threadIdx.x] = (kb < K && col < N) ? (tb ? B[col * ldb + kb] : B[kb * ldb + col]) : 0.f;
    __syncthreads();
    for (int k = 0; k < TILE; ++k) acc += As[threadIdx.y][k] * Bs[k][threadIdx.x];
    __syncthreads();
  }
  if (row < M && col < N) C[row * ldc + col] = alpha * acc + (beta == 0.f ? 0.f : beta * C[row * ldc + col]);
}

}  // namespace

void set_tf32(bool enabled) { g_tf32 = enabled; }

void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands.
  PONET_CUBLAS_CHECK(cublasSgemm(handle(), tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                                 static_cast<int>(N), static_cast<int>(M), static_cast<int>(K), &alpha, B,
                                 static_cast<int>(ldb), A, static_cast<int>(lda), &beta, C, static_cast<int>(ldc)));
}

void gemm_tiled(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  dim3 block(TILE, TILE), grid(static_cast<unsigned>((N + TILE - 1) / TILE), static_cast<unsigned>((M + TILE - 1) / TILE));
  gemm_tiled_kernel<<<grid, block>>>(ta, tb, static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), alpha, A,
                                     static_cast<int>(lda), B, static_cast<int>(ldb), beta, C, static_cast<int>(ldc));
  PONET_CUDA_CHECK_LAUNCH();
}

// Row-major C_i = alpha op(A_i) op(B_i) + beta C_i for i < batch, X_i = X + i * stride_x. As in
// cuda::gemm, row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: the operands swap.
void gemm_strided_batched(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                  int64_t stride_a, const float* B, int64_t ldb, int64_t stride_b, float beta, float* C, int64_t ldc,
                  int64_t stride_c, int64_t batch) {
  PONET_CUBLAS_CHECK(cublasSgemmStridedBatched(handle(), tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                                               static_cast<int>(N), static_cast<int>(M), static_cast<int>(K), &alpha, B,
                                               static_cast<int>(ldb), stride_b, A, static_cast<int>(lda), stride_a,
                                               &beta, C, static_cast<int>(ldc), stride_c, static_cast<int>(batch)));
}

}  // namespace ponet::cuda
