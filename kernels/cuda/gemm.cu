// CUDA twin of kernels/cpu/gemm.cpp, its reference: row-major C = alpha op(A) op(B) + beta C through
// cuBLAS (plus a tiled kernel kept for reading; nothing tests or times it yet). Checked against the CPU
// by tests/ops_table/ in device mode (rows "matmul", "linear": build/test_ops device --filter
// matmul,linear); no CUDA bench of its own (bench/bench_gemm.cpp is CPU only).
#include <cuda_bf16.h>

#include <map>
#include <mutex>

#include "core/allocator.h"
#include "core/cuda_check.cuh"
#include "core/device.h"
#include "kernels/cuda/gemm.cuh"

namespace ponet::cuda {

namespace {

// One cuBLAS handle per device (a handle belongs to the device that was current when it was made),
// made on first use and kept for the process (the CUDA context takes it down at exit). The math mode is
// set on every call, so set_cuda_tf32 takes effect at the next GEMM.
cublasHandle_t handle() {
  static std::mutex mutex;
  static auto* handles = new std::map<int, cublasHandle_t>();  // never destroyed: see above
  int device = 0;
  PONET_CUDA_CHECK(cudaGetDevice(&device));
  cublasHandle_t h;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = handles->find(device);
    if (it == handles->end()) {
      PONET_CUBLAS_CHECK(cublasCreate(&h));
      it = handles->emplace(device, h).first;
    }
    h = it->second;
  }
  PONET_CUBLAS_CHECK(cublasSetMathMode(h, cuda_tf32() ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
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

// C_i = beta * C_i for the batch of M x N row-major matrices (row stride ldc, batch stride stride_c):
// what a GEMM with K == 0 computes. beta == 0 writes zeros, so NaN or garbage in C does not survive.
__global__ void scale_c_kernel(float* C, long long M, long long N, long long ldc, long long stride_c, long long batch,
                               float beta) {
  const long long total = batch * M * N;
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<long long>(gridDim.x) * blockDim.x) {
    const long long b = i / (M * N), r = (i / N) % M, c = i % N;
    float* x = C + b * stride_c + r * ldc + c;
    *x = beta == 0.f ? 0.f : beta * *x;
  }
}

void scale_c(float* C, int64_t M, int64_t N, int64_t ldc, int64_t stride_c, int64_t batch, float beta) {
  scale_c_kernel<<<blocks_for(batch * M * N), 256>>>(C, M, N, ldc, stride_c, batch, beta);
  PONET_CUDA_CHECK_LAUNCH();
}

// cuBLAS takes int sizes: anything larger is refused by name rather than silently truncated.
int as_int(int64_t v, const char* op, const char* what) {
  PONET_CHECK(v >= 0 && v <= 0x7fffffffLL, op, ": ", what, " = ", v, " does not fit cuBLAS's int");
  return static_cast<int>(v);
}

}  // namespace

void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) return scale_c(C, M, N, ldc, 0, 1, beta);  // cuBLAS leaves K == 0 undefined
  const char* op = "cuda::gemm";
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands.
  PONET_CUBLAS_CHECK(cublasSgemm(handle(), tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                                 as_int(N, op, "N"), as_int(M, op, "M"), as_int(K, op, "K"), &alpha, B,
                                 as_int(ldb, op, "ldb"), A, as_int(lda, op, "lda"), &beta, C, as_int(ldc, op, "ldc")));
}

void gemm_tiled(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) return scale_c(C, M, N, ldc, 0, 1, beta);
  const char* op = "cuda::gemm_tiled";
  PONET_CHECK((M + TILE - 1) / TILE <= 65535, op, ": M = ", M, " needs more than 65535 row tiles (grid.y)");
  const int m = as_int(M, op, "M"), n = as_int(N, op, "N"), k = as_int(K, op, "K");
  dim3 block(TILE, TILE), grid(static_cast<unsigned>((N + TILE - 1) / TILE), static_cast<unsigned>((M + TILE - 1) / TILE));
  gemm_tiled_kernel<<<grid, block>>>(ta, tb, m, n, k, alpha, A, as_int(lda, op, "lda"), B, as_int(ldb, op, "ldb"), beta,
                                     C, as_int(ldc, op, "ldc"));
  PONET_CUDA_CHECK_LAUNCH();
}

// Row-major C_i = alpha op(A_i) op(B_i) + beta C_i for i < batch, X_i = X + i * stride_x. As in
// cuda::gemm, row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: the operands swap.
void gemm_strided_batched(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                  int64_t stride_a, const float* B, int64_t ldb, int64_t stride_b, float beta, float* C, int64_t ldc,
                  int64_t stride_c, int64_t batch) {
  if (M <= 0 || N <= 0 || batch <= 0) return;
  if (K <= 0) return scale_c(C, M, N, ldc, stride_c, batch, beta);  // cuBLAS leaves K == 0 undefined
  const char* op = "cuda::gemm_strided_batched";
  PONET_CUBLAS_CHECK(cublasSgemmStridedBatched(handle(), tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                                               as_int(N, op, "N"), as_int(M, op, "M"), as_int(K, op, "K"), &alpha, B,
                                               as_int(ldb, op, "ldb"), stride_b, A, as_int(lda, op, "lda"), stride_a,
                                               &beta, C, as_int(ldc, op, "ldc"), stride_c, as_int(batch, op, "batch")));
}

namespace {

// dst[i] = src[i] rounded to bf16 (RNE; NaN stays NaN), the same rounding as core/bfloat16.h.
__global__ void round_to_bf16_kernel(const float* src, __nv_bfloat16* dst, long long n) {
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<long long>(gridDim.x) * blockDim.x)
    dst[i] = __float2bfloat16_rn(src[i]);
}

// A device buffer of n bf16 values, freed when it goes out of scope (after the GEMM is queued: the
// caching allocator reuses the block only for work queued later on the same stream).
struct Bf16Scratch {
  Bf16Scratch(const float* src, int64_t n) : bytes(static_cast<size_t>(n) * sizeof(__nv_bfloat16)) {
    PONET_CUDA_CHECK(cudaGetDevice(&device));
    data = static_cast<__nv_bfloat16*>(device_allocate(bytes, device));
    round_to_bf16_kernel<<<blocks_for(n), 256>>>(src, data, n);
    PONET_CUDA_CHECK_LAUNCH();
  }
  ~Bf16Scratch() { device_free(data, bytes, device); }
  Bf16Scratch(const Bf16Scratch&) = delete;
  Bf16Scratch& operator=(const Bf16Scratch&) = delete;
  size_t bytes;
  int device = 0;
  __nv_bfloat16* data = nullptr;
};

}  // namespace

void gemm_bf16(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
               const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) return scale_c(C, M, N, ldc, 0, 1, beta);  // cuBLAS leaves K == 0 undefined
  const char* op = "cuda::gemm_bf16";
  // The stored extents of A ([M, K] or [K, M] rows of lda) and B ([K, N] or [N, K] rows of ldb).
  const Bf16Scratch a(A, (ta ? K - 1 : M - 1) * lda + (ta ? M : K));
  const Bf16Scratch b(B, (tb ? N - 1 : K - 1) * ldb + (tb ? K : N));
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands (as cuda::gemm).
  PONET_CUBLAS_CHECK(cublasGemmEx(handle(), tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                                  as_int(N, op, "N"), as_int(M, op, "M"), as_int(K, op, "K"), &alpha, b.data,
                                  CUDA_R_16BF, as_int(ldb, op, "ldb"), a.data, CUDA_R_16BF, as_int(lda, op, "lda"),
                                  &beta, C, CUDA_R_32F, as_int(ldc, op, "ldc"), CUBLAS_COMPUTE_32F,
                                  CUBLAS_GEMM_DEFAULT));
}

}  // namespace ponet::cuda
