#include "tests/ops_table/row_util.h"

#include <algorithm>

#include "core/error.h"
#include "core/rng.h"

namespace ponet::ops_table {

Tensor uniform_input(const Shape& shape, uint64_t seed, float lo, float hi, bool requires_grad) {
  Rng rng(seed);
  Tensor t = Tensor::uniform(shape, rng, lo, hi);
  if (requires_grad) t.set_requires_grad(true);
  return t;
}

Tensor id_input(const Shape& shape, int64_t hi, uint64_t seed) {
  Rng rng(seed);
  std::vector<int64_t> v(static_cast<size_t>(shape_numel(shape)));
  for (int64_t& x : v) x = static_cast<int64_t>(rng.next_u64() % static_cast<uint64_t>(hi));
  return Tensor::from_vector_i64(v, shape);
}

Tensor prefix_mask(int64_t B, int64_t L, const std::vector<int64_t>& real) {
  std::vector<int64_t> v(static_cast<size_t>(B * L), 0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t l = 0; l < std::min(L, real[b]); ++l) v[b * L + l] = 1;
  return Tensor::from_vector_i64(v, {B, L});
}

Tensor chunk_segments(int64_t B, int64_t L, int64_t chunk) {
  std::vector<int64_t> v(static_cast<size_t>(B * L));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t l = 0; l < L; ++l) v[b * L + l] = l / chunk;
  return Tensor::from_vector_i64(v, {B, L});
}

std::vector<int64_t> row_major_strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t step = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    strides[d] = step;
    step *= shape[d];
  }
  return strides;
}

std::vector<double> gather(const std::vector<double>& values, const Shape& shape, const std::vector<int64_t>& strides,
                           int64_t offset) {
  const int64_t n = shape_numel(shape), dims = static_cast<int64_t>(shape.size());
  std::vector<double> out(static_cast<size_t>(n));
  std::vector<int64_t> index(shape.size(), 0);  // an odometer over `shape`, last dim fastest
  for (int64_t i = 0; i < n; ++i) {
    int64_t at = offset;
    for (int64_t d = 0; d < dims; ++d) at += index[d] * strides[d];
    out[i] = values.at(static_cast<size_t>(at));
    for (int64_t d = dims - 1; d >= 0 && ++index[d] == shape[d]; --d) index[d] = 0;
  }
  return out;
}

namespace {
// The storage elements a view can reach: from its first element up to its furthest one.
template <class T>
std::vector<double> reachable(const Tensor& t) {
  int64_t last = 0;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.shape()[d] > 0) last += (t.shape()[d] - 1) * t.strides()[d];
  const T* p = t.data<T>();
  return std::vector<double>(p, p + (t.numel() == 0 ? 0 : last + 1));
}
}  // namespace

std::vector<double> as_double(const Tensor& t) {
  PONET_CHECK(t.device().is_cpu(), "ops_table::as_double: a reference reads CPU tensors, got ", t.device().str());
  for (int64_t s : t.strides()) PONET_CHECK(s >= 0, "ops_table::as_double: negative stride in ", t.shape_str());
  const std::vector<double> v = t.dtype() == DType::I64 ? reachable<int64_t>(t) : reachable<float>(t);
  return gather(v, t.shape(), t.strides(), 0);
}

std::vector<int64_t> unravel(int64_t flat, const Shape& shape) {
  std::vector<int64_t> idx(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return idx;
}

int64_t broadcast_index(const std::vector<int64_t>& out_index, const Shape& in_shape) {
  const size_t lead = out_index.size() - in_shape.size();
  int64_t flat = 0;
  for (size_t d = 0; d < in_shape.size(); ++d) flat = flat * in_shape[d] + (in_shape[d] == 1 ? 0 : out_index[lead + d]);
  return flat;
}

Shape broadcast_shape(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()));
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    const int64_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Expected broadcast_map(const Tensor& a, const Tensor& b, const std::function<double(double, double)>& f) {
  const Shape out = broadcast_shape(a.shape(), b.shape());
  std::vector<double> av = as_double(a), bv = as_double(b), r(static_cast<size_t>(shape_numel(out)));
  for (int64_t i = 0; i < static_cast<int64_t>(r.size()); ++i) {
    std::vector<int64_t> idx = unravel(i, out);
    r[i] = f(av[broadcast_index(idx, a.shape())], bv[broadcast_index(idx, b.shape())]);
  }
  return {out, r};
}

Expected map(const Tensor& x, const std::function<double(double)>& f) {
  std::vector<double> v = as_double(x);
  for (double& e : v) e = f(e);
  return {x.shape(), v};
}

}  // namespace ponet::ops_table
