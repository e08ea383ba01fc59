// CUDA twin of kernels/cpu/binary.cpp, its reference: elementwise add, sub, mul, div of broadcast-strided
// inputs, a grid-stride loop. Checked against the CPU by tests/ops_table/ in device mode (rows "add",
// "sub", "mul", "div": build/test_ops device --filter add,sub,mul,div); timed by build/test_ops
// perf.
#include "kernels/cuda/binary.cuh"
#include "core/cuda_check.cuh"

namespace ponet::cuda {

namespace {

constexpr int kMaxDims = 8;

struct BroadcastLayout {
  int ndim;
  long long shape[kMaxDims];
  long long a_strides[kMaxDims];
  long long b_strides[kMaxDims];
};

template <int op>
__global__ void binary_kernel(float* out, const float* a, const float* b, BroadcastLayout l, long long n) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    long long rem = i, oa = 0, ob = 0;
    for (int d = l.ndim - 1; d >= 0; --d) {
      long long c = rem % l.shape[d];
      rem /= l.shape[d];
      oa += c * l.a_strides[d];
      ob += c * l.b_strides[d];
    }
    float x = a[oa], y = b[ob];
    out[i] = op == 0 ? x + y : op == 1 ? x - y : op == 2 ? x * y : x / y;
  }
}

}  // namespace

void binary_forward(int op, float* out, const float* a, const std::vector<int64_t>& as, const float* b,
                    const std::vector<int64_t>& bs, const std::vector<int64_t>& shape) {
  PONET_CHECK(shape.size() <= kMaxDims, "cuda binary: at most ", kMaxDims, " dims supported");
  BroadcastLayout l{};
  l.ndim = static_cast<int>(shape.size());
  long long n = 1;
  for (int i = 0; i < l.ndim; ++i) {
    l.shape[i] = shape[i];
    l.a_strides[i] = as[i];
    l.b_strides[i] = bs[i];
    n *= shape[i];
  }
  if (n == 0) return;
  switch (op) {
    case 0: binary_kernel<0><<<blocks_for(n), 256>>>(out, a, b, l, n); break;
    case 1: binary_kernel<1><<<blocks_for(n), 256>>>(out, a, b, l, n); break;
    case 2: binary_kernel<2><<<blocks_for(n), 256>>>(out, a, b, l, n); break;
    default: binary_kernel<3><<<blocks_for(n), 256>>>(out, a, b, l, n); break;
  }
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
