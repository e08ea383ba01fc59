// Rows: reductions (sum, mean, sum_all, mean_all, sum_to_shape) and the view and copy ops (reshape,
// transpose, permute, slice, contiguous, to_device), whose copies reach transpose_copy, strided_copy
// and strided_scatter.
#include <algorithm>
#include <numeric>

#include "autograd/ops.h"
#include "tests/ops_table/row_util.h"

namespace ponet::ops_table {
namespace {

// Sums x over `dims` in double; the output keeps the reduced dims as 1 when `keepdim`, else drops them.
Expected sum_ref(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, bool mean) {
  const Shape& s = x.shape();
  Shape kept = s, dropped;
  double count = 1;
  for (int64_t d : dims) {
    kept[d] = 1;
    count *= static_cast<double>(s[d]);
  }
  for (size_t d = 0; d < s.size(); ++d)
    if (std::find(dims.begin(), dims.end(), static_cast<int64_t>(d)) == dims.end()) dropped.push_back(s[d]);
  std::vector<double> xv = as_double(x), out(static_cast<size_t>(shape_numel(kept)), 0.0);
  for (int64_t i = 0; i < static_cast<int64_t>(xv.size()); ++i) out[broadcast_index(unravel(i, s), kept)] += xv[i];
  if (mean)
    for (double& v : out) v /= count;
  return {keepdim ? kept : dropped, out};
}

// What a view op makes of a contiguous x of shape `from`, written with strides computed here from the
// shape (never with the Tensor's own view arithmetic): the view's shape, strides and first element.
struct Layout {
  Shape shape;
  std::vector<int64_t> strides;
  int64_t offset = 0;
};
Layout whole(const Shape& from) { return {from, row_major_strides(from), 0}; }
Layout permuted(const Shape& from, const std::vector<int64_t>& perm) {
  const std::vector<int64_t> st = row_major_strides(from);
  Layout v;
  for (int64_t d : perm) {
    v.shape.push_back(from[d]);
    v.strides.push_back(st[d]);
  }
  return v;
}
Layout swapped(const Shape& from, int64_t d0, int64_t d1) {
  std::vector<int64_t> perm(from.size());
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[d0], perm[d1]);
  return permuted(from, perm);
}
Layout sliced(const Shape& from, int64_t dim, int64_t start, int64_t end) {
  Layout v = whole(from);
  v.shape[dim] = end - start;
  v.offset = start * v.strides[dim];
  return v;
}
// The elements of the view in row-major order, then read as `shape` (a reshape keeps that order).
Expected laid_out(const Tensor& x, const Layout& v, const Shape& shape) {
  return {shape, gather(as_double(x), v.shape, v.strides, v.offset)};
}
Expected laid_out(const Tensor& x, const Layout& v) { return laid_out(x, v, v.shape); }

std::vector<OpCase> rows() {
  std::vector<OpCase> out;
  auto one = [](Shape s, uint64_t seed) { return [=] { return Inputs{uniform_input(s, seed)}; }; };
  struct Reduction {
    Shape shape;
    std::vector<int64_t> dims;
    bool keepdim;
    const char* path;
  };
  for (const Reduction& r : {Reduction{{4, 5, 6}, {1}, false, "middle dim (sum_middle)"},
                             Reduction{{4, 5, 6}, {0, 2}, true, "outer and inner dims, keepdim"},
                             Reduction{{6, 7}, {0}, false, "rows (sum_middle with outer 1)"},
                             Reduction{{7, 6}, {1}, false, "last dim (sum_rows)"},
                             Reduction{{3, 4}, {}, false, "no dims"},
                             Reduction{{64, 4096, 8}, {1}, false, "long middle dim (multi-block)"},
                             Reduction{{4096, 768}, {0}, false, "bias-gradient shape"},
                             Reduction{{3, 70000, 33}, {1}, false, "middle dim of 70000"},
                             Reduction{{131072, 64}, {0}, false, "131072 rows"}}) {
    const bool big = shape_numel(r.shape) > 100000;
    const unsigned modes = big ? kValue | kDevice | kPerf : kAllModes;
    const Tolerance tol = big ? Tolerance{1e-4, 1e-5} : Tolerance{1e-6, 1e-6};
    for (bool mean_op : {false, true}) {
      const std::string what = shape_str(r.shape) + " over " + shape_str(r.dims) + ": " + r.path;
      out.push_back({mean_op ? "mean" : "sum", what, modes, one(r.shape, 50),
                     [r, mean_op](const Inputs& in) { return mean_op ? mean(in[0], r.dims, r.keepdim) : sum(in[0], r.dims, r.keepdim); },
                     [r, mean_op](const Inputs& in) { return sum_ref(in[0], r.dims, r.keepdim, mean_op); }, tol});
    }
  }
  // every set of dims of a 4-D tensor, keepdim both ways; then a strided input (the permute path)
  for (int set = 1; set < 16; ++set) {
    std::vector<int64_t> dims;
    for (int64_t d = 0; d < 4; ++d)
      if (set >> d & 1) dims.push_back(d);
    const bool keepdim = set % 2 == 0;
    out.push_back({"sum", "[3, 4, 5, 6] over " + shape_str(dims) + (keepdim ? ", keepdim" : ""), kValue | kGrad | kDevice,
                   one({3, 4, 5, 6}, 54), [dims, keepdim](const Inputs& in) { return sum(in[0], dims, keepdim); },
                   [dims, keepdim](const Inputs& in) { return sum_ref(in[0], dims, keepdim, false); }});
  }
  for (bool mean_op : {false, true})
    out.push_back({mean_op ? "mean" : "sum", "[3, 5, 4] transposed to [3, 4, 5], over [1] (strided input)", kAllModes,
                   one({3, 5, 4}, 55),
                   [mean_op](const Inputs& in) {
                     const Tensor x = in[0].transpose(1, 2);
                     return mean_op ? mean(x, {1}) : sum(x, {1});
                   },
                   [mean_op](const Inputs& in) { return sum_ref(in[0].transpose(1, 2), {1}, false, mean_op); }});
  for (Shape s : {Shape{5, 7}, Shape{3}, Shape{1 << 21}}) {
    const bool big = shape_numel(s) > 100000;
    const unsigned modes = big ? kValue | kDevice | kPerf : kAllModes;
    const Tolerance tol = big ? Tolerance{2e-2, 1e-6} : Tolerance{1e-6, 1e-6};  // 2M floats summed in float
    std::vector<int64_t> all(s.size());
    std::iota(all.begin(), all.end(), 0);
    const std::string what = shape_str(s) + (big ? " (whole-tensor sum over many blocks)" : "");
    out.push_back({"sum_all", what, modes, one(s, 51), [](const Inputs& in) { return sum_all(in[0]); },
                   [all](const Inputs& in) { return sum_ref(in[0], all, false, false); }, tol});
    out.push_back({"mean_all", what, modes, one(s, 52), [](const Inputs& in) { return mean_all(in[0]); },
                   [all](const Inputs& in) { return sum_ref(in[0], all, false, true); }, big ? Tolerance{1e-7, 1e-6} : tol});
  }
  for (auto [from, to] : {std::pair{Shape{4, 3, 5}, Shape{3, 1}}, std::pair{Shape{2, 6}, Shape{6}},
                          std::pair{Shape{256, 64, 32}, Shape{64, 1}}}) {
    const bool big = shape_numel(from) > 100000;
    out.push_back({"sum_to_shape", shape_str(from) + " to " + shape_str(to), big ? kValue | kDevice | kPerf : kAllModes,
                   one(from, 53), [to = to](const Inputs& in) { return sum_to_shape(in[0], to); },
                   [from = from, to = to](const Inputs& in) {
                     std::vector<int64_t> dims;
                     const size_t lead = from.size() - to.size();
                     for (size_t d = 0; d < from.size(); ++d)
                       if (d < lead || to[d - lead] == 1) dims.push_back(static_cast<int64_t>(d));
                     Expected e = sum_ref(in[0], dims, true, false);
                     e.shape = to;
                     return e;
                   },
                   big ? Tolerance{1e-4, 1e-5} : Tolerance{1e-6, 1e-6}});
  }

  // Views and copies: the expected values are gathered from the input by the Layout written above
  // (index arithmetic on strides computed from the shape), so a wrong contiguous(), strided_copy or
  // transpose_copy, or a wrong stride in the view itself, shows here. The gradient of each is a
  // scatter back (strided_scatter for slices), checked by gradcheck and on the device.
  auto view_row = [&](const char* op, Shape s, const std::string& what, unsigned modes,
                      std::function<Tensor(const Tensor&)> f, std::function<Expected(const Tensor&)> expected) {
    out.push_back({op, shape_str(s) + " " + what, modes, one(s, 60), [f](const Inputs& in) { return contiguous(f(in[0])); },
                   [expected](const Inputs& in) { return expected(in[0]); }, {0, 0}, {1e-3, 5e-3}, 1e-2f, {0, 0}});
  };
  const unsigned big = kValue | kDevice | kPerf;
  view_row("reshape", {3, 4, 5}, "to [12, 5] (a view)", kAllModes, [](const Tensor& x) { return reshape(x, {12, 5}); },
           [](const Tensor& x) { return laid_out(x, whole({3, 4, 5}), {12, 5}); });
  view_row("reshape", {3, 4, 5}, "transposed to [-1] (copies)", kAllModes,
           [](const Tensor& x) { return reshape(transpose(x, 0, 2), {-1}); },
           [](const Tensor& x) { return laid_out(x, swapped({3, 4, 5}, 0, 2), {60}); });
  // transpose_copy: one tile, tile edges in both dims, more rows than columns, size-1 dims, grid limits
  for (Shape s : {Shape{33, 17}, Shape{2, 33, 65}, Shape{3, 64, 32}, Shape{1, 100, 3}, Shape{1, 1, 7}}) {
    const int64_t a = static_cast<int64_t>(s.size()) - 2, b = a + 1;
    view_row("transpose", s, s[a] > 1 && s[b] > 1 ? "last two dims (transpose_copy)" : "last two dims, one of size 1", kAllModes, [a, b](const Tensor& x) { return transpose(x, a, b); },
             [s, a, b](const Tensor& x) { return laid_out(x, swapped(s, a, b)); });
  }
  view_row("transpose", {3, 1, 5}, "size-1 dims", kAllModes, [](const Tensor& x) { return transpose(x, 1, 2); },
           [](const Tensor& x) { return laid_out(x, swapped({3, 1, 5}, 1, 2)); });
  view_row("transpose", {4, 3, 5}, "dims 0 and 2 (strided_copy)", kAllModes, [](const Tensor& x) { return transpose(x, 0, 2); },
           [](const Tensor& x) { return laid_out(x, swapped({4, 3, 5}, 0, 2)); });
  view_row("transpose", {70000, 2, 3}, "batched, batch over 65535 (grid limits)", big,
           [](const Tensor& x) { return transpose(x, 1, 2); },
           [](const Tensor& x) { return laid_out(x, swapped({70000, 2, 3}, 1, 2)); });
  view_row("transpose", {8, 515, 513}, "batched, many tiles", big, [](const Tensor& x) { return transpose(x, 1, 2); },
           [](const Tensor& x) { return laid_out(x, swapped({8, 515, 513}, 1, 2)); });
  view_row("permute", {2, 3, 4, 5}, "(2, 0, 3, 1) (strided_copy)", kAllModes,
           [](const Tensor& x) { return permute(x, {2, 0, 3, 1}); },
           [](const Tensor& x) { return laid_out(x, permuted({2, 3, 4, 5}, {2, 0, 3, 1})); });
  view_row("permute", {16, 64, 4, 64}, "(0, 2, 1, 3) heads split (strided_copy, large)", big,
           [](const Tensor& x) { return permute(x, {0, 2, 1, 3}); },
           [](const Tensor& x) { return laid_out(x, permuted({16, 64, 4, 64}, {0, 2, 1, 3})); });
  view_row("slice", {7, 9}, "dim 1 [2, 7) (backward: strided_scatter)", kAllModes,
           [](const Tensor& x) { return slice(x, 1, 2, 7); }, [](const Tensor& x) { return laid_out(x, sliced({7, 9}, 1, 2, 7)); });
  view_row("slice", {6, 5, 4}, "dim 0 [1, 1) (empty)", kValue | kDevice, [](const Tensor& x) { return slice(x, 0, 1, 1); },
           [](const Tensor& x) { return laid_out(x, sliced({6, 5, 4}, 0, 1, 1)); });
  view_row("slice", {64, 1024, 48}, "dim 2 [5, 37) (strided, large)", big, [](const Tensor& x) { return slice(x, 2, 5, 37); },
           [](const Tensor& x) { return laid_out(x, sliced({64, 1024, 48}, 2, 5, 37)); });
  view_row("contiguous", {5, 6, 7}, "of a permuted view", kAllModes, [](const Tensor& x) { return permute(x, {1, 2, 0}); },
           [](const Tensor& x) { return laid_out(x, permuted({5, 6, 7}, {1, 2, 0})); });
  // to_device: on a machine with a GPU the row goes there and back (two copies, each with a backward);
  // without one it is the same-device identity
  view_row("to_device", {4, 9}, "to the other device and back", kAllModes,
           [](const Tensor& x) {
             const Device other = cuda_available() && x.device().is_cpu() ? Device::cuda() : Device::cpu();
             return to_device(scale(to_device(x, other), 1.f), x.device());
           },
           [](const Tensor& x) { return laid_out(x, whole({4, 9})); });
  return out;
}

const AddRows registered(rows());

}  // namespace
}  // namespace ponet::ops_table
