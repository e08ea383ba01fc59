// sum / mean over any set of dims. A contiguous tensor whose reduced dims are one consecutive run is
// summed in place as [outer, mid, inner] (no copy: a bias gradient, a sum over leading dims); anything
// else has its reduced dims permuted to the end and copied, then summed as rows. Backward broadcasts the
// gradient back.
#include <algorithm>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"
#include "kernels/cpu/reduce.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/reduce.cuh"
#endif

namespace ponet {

namespace {

std::vector<int64_t> normalise_dims(const std::vector<int64_t>& dims, int64_t ndim, const char* op) {
  std::vector<int64_t> out;
  for (int64_t d : dims) out.push_back(wrap_dim(d, ndim, op));
  std::sort(out.begin(), out.end());
  PONET_CHECK(std::adjacent_find(out.begin(), out.end()) == out.end(), op, ": repeated dim");
  return out;
}

// Broadcasts g (the reduced shape with keepdim) back to `shape` as a contiguous tensor.
Tensor expand_to(const Tensor& g, const Shape& shape) {
  Tensor view = make_view(g, shape, broadcast_strides(g.shape(), g.strides(), shape), g.offset());
  return contiguous(view);  // stride-0 dims make it non-contiguous, so this copies
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims_in, bool keepdim) {
  check_dtype(x, DType::F32, "sum", "x");
  const int64_t n = x.dim();
  std::vector<int64_t> dims = normalise_dims(dims_in, n, "sum");
  std::vector<int64_t> kept, order;
  Shape kept_shape, keep_shape = x.shape();
  int64_t rows = 1, cols = 1;
  for (int64_t d = 0; d < n; ++d) {
    if (std::binary_search(dims.begin(), dims.end(), d)) {
      cols *= x.shape()[d];
      keep_shape[d] = 1;
    } else {
      order.push_back(d);
      kept_shape.push_back(x.shape()[d]);
      rows *= x.shape()[d];
    }
  }
  for (int64_t d : dims) order.push_back(d);
  Tensor out = Tensor::empty(keepdim ? keep_shape : kept_shape, DType::F32, x.device());
  const bool consecutive = dims.empty() || dims.back() - dims.front() + 1 == static_cast<int64_t>(dims.size());
  const auto sum_cost = profiler::cost(profiler::kF32 * (rows * cols + rows), rows * cols);
  if (x.is_contiguous() && consecutive && !dims.empty()) {
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < dims.front(); ++d) outer *= x.shape()[d];
    for (int64_t d = dims.back() + 1; d < n; ++d) inner *= x.shape()[d];
    if (inner == 1) {  // trailing dims: plain row sums
      PONET_KERNEL(x.device(), "sum_rows", sum_cost, cpu::sum_rows(out.data<float>(), x.data<float>(), outer, cols),
                   cuda::sum_rows(out.data<float>(), x.data<float>(), outer, cols));
    } else {
      PONET_KERNEL(x.device(), "sum_middle", sum_cost,
                   cpu::sum_middle(out.data<float>(), x.data<float>(), outer, cols, inner),
                   cuda::sum_middle(out.data<float>(), x.data<float>(), outer, cols, inner));
    }
  } else {
    Tensor arranged = contiguous(permute(x.detach(), order));
    PONET_KERNEL(x.device(), "sum_rows", sum_cost, cpu::sum_rows(out.data<float>(), arranged.data<float>(), rows, cols),
                 cuda::sum_rows(out.data<float>(), arranged.data<float>(), rows, cols));
  }
  Shape in_shape = x.shape();
  return autograd::record("sum", out, {x}, [in_shape, keep_shape](const Tensor& g) {
    return std::vector<Tensor>{expand_to(reshape(g, keep_shape), in_shape)};
  });
}

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  int64_t count = 1;
  for (int64_t d : normalise_dims(dims, x.dim(), "mean")) count *= x.shape()[d];
  PONET_CHECK(count > 0, "mean: reducing over an empty dim of ", x.shape_str());
  return scale(sum(x, dims, keepdim), 1.f / static_cast<float>(count));
}

Tensor sum_all(const Tensor& x) {
  std::vector<int64_t> dims(x.dim());
  for (int64_t d = 0; d < x.dim(); ++d) dims[d] = d;
  return sum(x, dims, false);
}

Tensor mean_all(const Tensor& x) {
  PONET_CHECK(x.numel() > 0, "mean_all: empty tensor");
  return scale(sum_all(x), 1.f / static_cast<float>(x.numel()));
}

}  // namespace ponet
