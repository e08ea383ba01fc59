// CUDA twin of kernels/cpu/tanh.cpp, its reference: tanh forward and backward over n device floats
// (kernels/cuda/unary.cuh). Checked against the CPU by tests/ops_table/ in device mode (rows "tanh":
// build/test_ops device --filter tanh); no bench of its own.
#include "kernels/cuda/tanh.cuh"
#include "kernels/cuda/unary.cuh"

namespace ponet::cuda {

namespace {
struct Forward {
  __device__ float operator()(float v) const { return tanhf(v); }
};
struct Backward {
  __device__ float operator()(float, float out, float g) const { return g * (1.f - out * out); }
};
}  // namespace

void tanh_forward(float* out, const float* x, int64_t n) { unary_map(out, x, n, Forward{}); }

void tanh_backward(float* dx, const float* x, const float* y, const float* dout, int64_t n) {
  unary_grad_map(dx, x, y, dout, n, Backward{});
}

}  // namespace ponet::cuda
