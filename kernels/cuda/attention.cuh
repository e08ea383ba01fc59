// CUDA twin of kernels/cpu/attention.h (same layouts, same saved P, same dropout hash: the same seed
// drops the same elements on both devices; device pointers). The GEMMs are cuBLAS strided-batched
// calls over the H heads of one batch row (head stride d, leading dimension D), so q, k, v are read in
// place; scale + mask + softmax, dropout and the softmax backward are one-block-per-row kernels.
// Work is done one batch row at a time, so the scratch buffer is H x L x L floats
// (attention_workspace_floats): needed by backward always, by forward only when p > 0.
// The GEMMs are cuda::gemm_strided_batched (kernels/cuda/gemm.cu), on the device's cuBLAS handle that
// every GEMM shares: fp32 by default, TF32 tensor cores only when cuda_tf32() (core/device.h) is on.
#pragma once
#include <cstdint>

#include "kernels/cpu/attention.h"

namespace ponet::cuda {

int64_t attention_workspace_floats(const cpu::AttentionDims& dims);

void attention_forward(float* out, float* prob, const float* q, const float* k, const float* v,
                       const int64_t* key_valid, const cpu::AttentionDims& dims, float p, uint64_t seed,
                       float* workspace);

void attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* prob, const float* q,
                        const float* k, const float* v, const cpu::AttentionDims& dims, float p, uint64_t seed,
                        float* workspace);

}  // namespace ponet::cuda
