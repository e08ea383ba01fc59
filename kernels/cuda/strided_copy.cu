// CUDA twin of kernels/cpu/strided_copy.cpp, its reference: gathers a strided view (4- or 8-byte
// elements) into a contiguous buffer. Checked against the CPU by tests/ops_table/ in device mode (rows
// "permute", "slice", "contiguous": build/test_ops device --filter permute,slice,contiguous); no bench of
// its own.
#include "core/cuda_check.cuh"
#include "kernels/cuda/strided_copy.cuh"

namespace ponet::cuda {

namespace {

constexpr int kMaxDims = 8;

struct Layout {
  int ndim;
  long long shape[kMaxDims];
  long long strides[kMaxDims];
};

Layout make_layout(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides) {
  PONET_CHECK(shape.size() <= kMaxDims, "cuda strided_copy: at most ", kMaxDims, " dims supported");
  Layout l{};
  l.ndim = static_cast<int>(shape.size());
  for (int i = 0; i < l.ndim; ++i) {
    l.shape[i] = shape[i];
    l.strides[i] = strides[i];
  }
  return l;
}

__device__ long long strided_offset(long long i, const Layout& l) {
  long long off = 0;
  for (int d = l.ndim - 1; d >= 0; --d) {
    off += (i % l.shape[d]) * l.strides[d];
    i /= l.shape[d];
  }
  return off;
}

template <class T>
__global__ void gather_kernel(T* out, const T* in, Layout l, long long n) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    out[i] = in[strided_offset(i, l)];
}

template <class T>
__global__ void scatter_kernel(T* out, const T* in, Layout l, long long n) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    out[strided_offset(i, l)] = in[i];
}

long long count(const std::vector<int64_t>& shape) {
  long long n = 1;
  for (auto s : shape) n *= s;
  return n;
}

}  // namespace

void strided_copy(void* out, const void* in, size_t elem_size, const std::vector<int64_t>& shape,
                  const std::vector<int64_t>& in_strides) {
  const long long n = count(shape);
  if (n == 0) return;
  Layout l = make_layout(shape, in_strides);
  if (elem_size == 4)
    gather_kernel<<<blocks_for(n), 256>>>(static_cast<float*>(out), static_cast<const float*>(in), l, n);
  else
    gather_kernel<<<blocks_for(n), 256>>>(static_cast<long long*>(out), static_cast<const long long*>(in), l, n);
  PONET_CUDA_CHECK_LAUNCH();
}

void strided_scatter(void* out, const void* in, size_t elem_size, const std::vector<int64_t>& shape,
                     const std::vector<int64_t>& out_strides) {
  const long long n = count(shape);
  if (n == 0) return;
  Layout l = make_layout(shape, out_strides);
  if (elem_size == 4)
    scatter_kernel<<<blocks_for(n), 256>>>(static_cast<float*>(out), static_cast<const float*>(in), l, n);
  else
    scatter_kernel<<<blocks_for(n), 256>>>(static_cast<long long*>(out), static_cast<const long long*>(in), l, n);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
