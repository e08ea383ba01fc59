// CUDA twin of kernels/cpu/gelu.cpp, its reference: GELU forward and backward over n device floats
// (kernels/cuda/unary.cuh). Checked against the CPU by tests/ops_table/ in device mode (rows "gelu":
// build/test_ops device --filter gelu); timed by bench/bench_kernels.cpp cuda.
#include "kernels/cuda/gelu.cuh"
#include "kernels/cuda/unary.cuh"

namespace ponet::cuda {

namespace {
struct Forward {
  __device__ float operator()(float v) const { return 0.5f * v * (1.f + erff(v * 0.70710678118654752f)); }
};
struct Backward {
  __device__ float operator()(float v, float, float g) const { return g * (0.5f * (1.f + erff(v * 0.70710678118654752f)) + v * 0.39894228040143268f * expf(-0.5f * v * v)); }
};
}  // namespace

void gelu_forward(float* out, const float* x, int64_t n) { unary_map(out, x, n, Forward{}); }

void gelu_backward(float* dx, const float* x, const float* y, const float* dout, int64_t n) {
  unary_grad_map(dx, x, y, dout, n, Backward{});
}

}  // namespace ponet::cuda
