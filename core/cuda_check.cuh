// Error checking for every CUDA runtime and cuBLAS call: failures throw ponet::Error naming the call,
// the file and line, and the CUDA error string.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "core/error.h"

#define PONET_CUDA_CHECK(call)                                                                     \
  do {                                                                                             \
    cudaError_t err_ = (call);                                                                     \
    if (err_ != cudaSuccess)                                                                       \
      ::ponet::fail("CUDA error in ", #call, " at ", __FILE__, ":", __LINE__, ": ",                \
                    cudaGetErrorString(err_));                                                     \
  } while (0)

#define PONET_CUBLAS_CHECK(call)                                                                   \
  do {                                                                                             \
    cublasStatus_t st_ = (call);                                                                   \
    if (st_ != CUBLAS_STATUS_SUCCESS)                                                              \
      ::ponet::fail("cuBLAS error ", static_cast<int>(st_), " in ", #call, " at ", __FILE__, ":", \
                    __LINE__);                                                                     \
  } while (0)

// Checks the launch of the kernel just queued (bad configuration, missing device code).
#define PONET_CUDA_CHECK_LAUNCH() PONET_CUDA_CHECK(cudaGetLastError())

namespace ponet::cuda {

// Grid size for a 1-D loop over n elements with `threads` per block (capped; kernels grid-stride).
inline unsigned blocks_for(long long n, int threads = 256) {
  long long b = (n + threads - 1) / threads;
  if (b > 65535LL * 16) b = 65535LL * 16;
  return static_cast<unsigned>(b < 1 ? 1 : b);
}

}  // namespace ponet::cuda
