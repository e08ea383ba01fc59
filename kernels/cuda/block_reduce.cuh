// Block-wide reductions for kernels that give one block to one row. Fixed order: deterministic.
#pragma once

namespace ponet::cuda {

// All threads of the block must call it; every thread gets the result. blockDim.x <= 1024.
template <class T, class Op>
__device__ T block_reduce(T value, Op op, T identity) {
  __shared__ T scratch[32];
  for (int offset = 16; offset > 0; offset >>= 1) value = op(value, __shfl_down_sync(0xffffffffu, value, offset));
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = value;
  __syncthreads();
  const int warps = (blockDim.x + 31) >> 5;
  value = threadIdx.x < warps ? scratch[threadIdx.x] : identity;
  if (warp == 0)
    for (int offset = 16; offset > 0; offset >>= 1) value = op(value, __shfl_down_sync(0xffffffffu, value, offset));
  __syncthreads();
  if (threadIdx.x == 0) scratch[0] = value;
  __syncthreads();
  return scratch[0];
}

struct SumOp {
  template <class T>
  __device__ T operator()(T a, T b) const { return a + b; }
};
struct MaxOp {
  template <class T>
  __device__ T operator()(T a, T b) const { return a > b ? a : b; }
};

}  // namespace ponet::cuda
