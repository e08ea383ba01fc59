// View ops (share storage, O(1)) and the copies that materialise a layout.
#include <algorithm>
#include <numeric>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"
#include "core/error.h"
#include "kernels/cpu/strided_copy.h"
#include "kernels/cpu/transpose.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/strided_copy.cuh"
#include "kernels/cuda/transpose.cuh"
#endif

namespace ponet {

namespace {

// Resolves one -1 entry and checks the element count.
Shape infer_shape(const Shape& requested, int64_t numel, const Shape& from) {
  Shape s = requested;
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      PONET_CHECK(infer_at < 0, "reshape: only one dim may be -1, got ", shape_str(requested));
      infer_at = static_cast<int64_t>(i);
    } else {
      PONET_CHECK(s[i] >= 0, "reshape: invalid size in ", shape_str(requested));
      known *= s[i];
    }
  }
  if (infer_at >= 0) {
    PONET_CHECK(known != 0 && numel % known == 0, "reshape: cannot reshape ", shape_str(from), " into ",
                shape_str(requested));
    s[infer_at] = numel / known;
  }
  PONET_CHECK(shape_numel(s) == numel, "reshape: cannot reshape ", shape_str(from), " (", numel,
              " elements) into ", shape_str(requested));
  return s;
}

// True when the float view x (..., M, N) reads a contiguous (..., N, M) buffer: its last two dims are
// swapped and nothing else. Then materialising it is a batched 2-D transpose.
bool is_last_two_transposed(const Tensor& x) {
  const int64_t n = x.dim();
  if (x.dtype() != DType::F32 || n < 2) return false;
  const int64_t M = x.shape()[n - 2], N = x.shape()[n - 1];
  if (M < 2 || N < 2 || x.strides()[n - 2] != 1 || x.strides()[n - 1] != M) return false;
  int64_t expected = M * N;
  for (int64_t d = n - 3; d >= 0; --d) {
    if (x.shape()[d] != 1 && x.strides()[d] != expected) return false;
    expected *= x.shape()[d];
  }
  return true;
}

// A copy reads and writes every element once.
profiler::Cost copy_cost(const Tensor& x) {
  return profiler::cost(2 * x.numel() * static_cast<int64_t>(dtype_size(x.dtype())), 0);
}

// A contiguous copy of any view, on the view's device.
Tensor materialise(const Tensor& x) {
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  if (x.numel() == 0) return out;
  if (is_last_two_transposed(x)) {
    const int64_t M = x.size(-2), N = x.size(-1), batches = x.numel() / (M * N);
    PONET_KERNEL(x.device(), "transpose_copy", copy_cost(x),
                 cpu::transpose_copy(out.data<float>(), x.data<float>(), batches, N, M),
                 cuda::transpose_copy(out.data<float>(), x.data<float>(), batches, N, M));
    return out;
  }
  PONET_KERNEL(x.device(), "strided_copy", copy_cost(x),
               x.dtype() == DType::F32   ? cpu::strided_copy(out.data<float>(), x.data<float>(), x.shape(), x.strides())
               : x.dtype() == DType::I64 ? cpu::strided_copy(out.data<int64_t>(), x.data<int64_t>(), x.shape(), x.strides())
                                         : cpu::strided_copy(out.data<BFloat16>(), x.data<BFloat16>(), x.shape(), x.strides()),
               cuda::strided_copy(out.raw_data(), x.raw_data(), dtype_size(x.dtype()), x.shape(), x.strides()));
  return out;
}

// Writes the contiguous float src into the strided float view `window` (same shape), element by element.
void scatter_into(const Tensor& window, const Tensor& src) {
  const float* from = src.data<float>();
  float* base = window.data<float>();
  for (int64_t i = 0; i < src.numel(); ++i) {
    int64_t off = 0, rem = i;
    for (int64_t k = window.dim() - 1; k >= 0; --k) {
      off += (rem % window.shape()[k]) * window.strides()[k];
      rem /= window.shape()[k];
    }
    base[off] = from[i];
  }
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  Shape target = infer_shape(shape, x.numel(), x.shape());
  Tensor src = x.is_contiguous() ? x : contiguous(x);
  Tensor out = make_view(src, target, contiguous_strides(target), src.offset());
  Shape original = x.shape();
  return autograd::record("reshape", out, {src},
                          [original](const Tensor& g) { return std::vector<Tensor>{reshape(g, original)}; });
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  const int64_t n = x.dim();
  PONET_CHECK(static_cast<int64_t>(dims.size()) == n, "permute: ", dims.size(), " dims given for a tensor ",
              x.shape_str());
  std::vector<int64_t> perm(n), seen(n, 0);
  for (int64_t i = 0; i < n; ++i) {
    perm[i] = wrap_dim(dims[i], n, "permute");
    PONET_CHECK(!seen[perm[i]]++, "permute: dim ", dims[i], " repeated");
  }
  Shape shape(n);
  std::vector<int64_t> strides(n);
  for (int64_t i = 0; i < n; ++i) {
    shape[i] = x.shape()[perm[i]];
    strides[i] = x.strides()[perm[i]];
  }
  std::vector<int64_t> inverse(n);
  for (int64_t i = 0; i < n; ++i) inverse[perm[i]] = i;
  Tensor out = make_view(x, shape, strides, x.offset());
  return autograd::record("permute", out, {x},
                          [inverse](const Tensor& g) { return std::vector<Tensor>{permute(g, inverse)}; });
}

Tensor transpose(const Tensor& x, int64_t d0, int64_t d1) {
  const int64_t n = x.dim();
  std::vector<int64_t> dims(n);
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[wrap_dim(d0, n, "transpose")], dims[wrap_dim(d1, n, "transpose")]);
  return permute(x, dims);
}

Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end) {
  const int64_t d = wrap_dim(dim, x.dim(), "slice");
  const int64_t len = x.shape()[d];
  PONET_CHECK(0 <= start && start <= end && end <= len, "slice: range [", start, ", ", end,
              ") out of bounds for dim ", dim, " of size ", len, " in ", x.shape_str());
  Shape shape = x.shape();
  shape[d] = end - start;
  Tensor out = make_view(x, shape, x.strides(), x.offset() + start * x.strides()[d]);
  Shape full = x.shape();
  return autograd::record("slice", out, {x}, [full, d, start, end](const Tensor& g) {
    // scatter the gradient into a zero tensor of the input's shape
    Tensor dx = Tensor::zeros(full, DType::F32, g.device());
    Tensor window = slice(dx, d, start, end);
    Tensor gc = contiguous(g);
    PONET_KERNEL(g.device(), "strided_scatter", profiler::elementwise_cost(gc.numel(), 1, 1, 0),
                 scatter_into(window, gc),
                 cuda::strided_scatter(window.raw_data(), gc.raw_data(), 4, window.shape(), window.strides()));
    return std::vector<Tensor>{dx};
  });
}

Tensor contiguous(const Tensor& x) {
  if (x.is_contiguous()) return x;
  Tensor out = materialise(x);
  return autograd::record("contiguous", out, {x}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
}

Tensor to_device(const Tensor& x, Device device) {
  if (x.device() == device) return x;
  Tensor src = contiguous(x.detach());
  Tensor out = Tensor::empty(x.shape(), x.dtype(), device);
  copy_bytes(out.raw_data(), device, src.raw_data(), src.device(), static_cast<size_t>(x.numel()) * dtype_size(x.dtype()));
  Device from = x.device();
  return autograd::record("to_device", out, {x},
                          [from](const Tensor& g) { return std::vector<Tensor>{to_device(g, from)}; });
}

}  // namespace ponet
