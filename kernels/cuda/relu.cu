// CUDA twin of kernels/cpu/relu.cpp, its reference: ReLU forward and backward over n device floats
// (kernels/cuda/unary.cuh). Checked against the CPU by tests/ops_table/ in device mode (rows "relu":
// build/test_ops device --filter relu); no bench of its own.
#include "kernels/cuda/relu.cuh"
#include "kernels/cuda/unary.cuh"

namespace ponet::cuda {

namespace {
struct Forward {
  __device__ float operator()(float v) const { return v > 0.f ? v : 0.f; }
};
struct Backward {
  __device__ float operator()(float v, float, float g) const { return v > 0.f ? g : 0.f; }
};
}  // namespace

void relu_forward(float* out, const float* x, int64_t n) { unary_map(out, x, n, Forward{}); }

void relu_backward(float* dx, const float* x, const float* y, const float* dout, int64_t n) {
  unary_grad_map(dx, x, y, dout, n, Backward{});
}

}  // namespace ponet::cuda
