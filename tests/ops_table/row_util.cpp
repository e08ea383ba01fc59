#include "tests/ops_table/row_util.h"

#include <algorithm>

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

std::vector<double> as_double(const Tensor& t) {
  if (t.dtype() == DType::I64) {
    std::vector<int64_t> v = t.to_vector_i64();
    return std::vector<double>(v.begin(), v.end());
  }
  std::vector<float> v = t.to_vector();
  return std::vector<double>(v.begin(), v.end());
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

std::vector<double> broadcast_map(const Tensor& a, const Tensor& b, const std::function<double(double, double)>& f) {
  const Shape out = broadcast_shape(a.shape(), b.shape());
  std::vector<double> av = as_double(a), bv = as_double(b), r(static_cast<size_t>(shape_numel(out)));
  for (int64_t i = 0; i < static_cast<int64_t>(r.size()); ++i) {
    std::vector<int64_t> idx = unravel(i, out);
    r[i] = f(av[broadcast_index(idx, a.shape())], bv[broadcast_index(idx, b.shape())]);
  }
  return r;
}

std::vector<double> map(const Tensor& x, const std::function<double(double)>& f) {
  std::vector<double> v = as_double(x);
  for (double& e : v) e = f(e);
  return v;
}

}  // namespace ponet::ops_table
