// Rows: reductions (sum, mean, sum_all, mean_all, sum_to_shape) and the view and copy ops (reshape,
// transpose, permute, slice, contiguous, to_device), whose copies reach transpose_copy, strided_copy
// and strided_scatter.
#include <algorithm>
#include <numeric>

#include "autograd/ops.h"
#include "tests/ops_table/row_util.h"

namespace ponet::ops_table {
namespace {

// Sums x over `dims` (keepdim or not: the same row-major values) in double.
std::vector<double> sum_ref(const Tensor& x, const std::vector<int64_t>& dims, bool mean) {
  const Shape& s = x.shape();
  Shape out_shape = s;
  double count = 1;
  for (int64_t d : dims) {
    out_shape[d] = 1;
    count *= static_cast<double>(s[d]);
  }
  std::vector<double> xv = as_double(x), out(static_cast<size_t>(shape_numel(out_shape)), 0.0);
  for (int64_t i = 0; i < static_cast<int64_t>(xv.size()); ++i) out[broadcast_index(unravel(i, s), out_shape)] += xv[i];
  if (mean)
    for (double& v : out) v /= count;
  return out;
}

// A layout change in double: the elements of `view` (any strides) in row-major order.
std::vector<double> layout_ref(const Tensor& view) { return as_double(view); }

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
                     [r, mean_op](const Inputs& in) { return sum_ref(in[0], r.dims, mean_op); }, tol});
    }
  }
  for (Shape s : {Shape{5, 7}, Shape{3}, Shape{1 << 21}}) {
    const bool big = shape_numel(s) > 100000;
    const unsigned modes = big ? kValue | kDevice | kPerf : kAllModes;
    const Tolerance tol = big ? Tolerance{2e-2, 1e-6} : Tolerance{1e-6, 1e-6};  // 2M floats summed in float
    std::vector<int64_t> all(s.size());
    std::iota(all.begin(), all.end(), 0);
    const std::string what = shape_str(s) + (big ? " (whole-tensor sum over many blocks)" : "");
    out.push_back({"sum_all", what, modes, one(s, 51), [](const Inputs& in) { return sum_all(in[0]); },
                   [all](const Inputs& in) { return sum_ref(in[0], all, false); }, tol});
    out.push_back({"mean_all", what, modes, one(s, 52), [](const Inputs& in) { return mean_all(in[0]); },
                   [all](const Inputs& in) { return sum_ref(in[0], all, true); }, big ? Tolerance{1e-7, 1e-6} : tol});
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
                     return sum_ref(in[0], dims, false);
                   },
                   big ? Tolerance{1e-4, 1e-5} : Tolerance{1e-6, 1e-6}});
  }

  // Views and copies: the value is the view's elements in row-major order; the gradient of each is a
  // scatter back (strided_scatter for slices), checked by gradcheck and on the device.
  auto view_row = [&](const char* op, Shape s, const std::string& what, unsigned modes,
                      std::function<Tensor(const Tensor&)> f) {
    out.push_back({op, shape_str(s) + " " + what, modes, one(s, 60),
                   [f](const Inputs& in) { return contiguous(f(in[0])); },
                   [f](const Inputs& in) { return layout_ref(f(in[0])); }, {0, 0}, {1e-3, 5e-3}, 1e-2f, {0, 0}});
  };
  const unsigned big = kValue | kDevice | kPerf;
  view_row("reshape", {3, 4, 5}, "to [12, 5] (a view)", kAllModes, [](const Tensor& x) { return reshape(x, {12, 5}); });
  view_row("reshape", {3, 4, 5}, "transposed to [-1] (copies)", kAllModes,
           [](const Tensor& x) { return reshape(transpose(x, 0, 2), {-1}); });
  view_row("transpose", {33, 17}, "(transpose_copy)", kAllModes, [](const Tensor& x) { return transpose(x, 0, 1); });
  view_row("transpose", {3, 1, 5}, "size-1 dims", kAllModes, [](const Tensor& x) { return transpose(x, 1, 2); });
  view_row("transpose", {70000, 2, 3}, "batched, batch over 65535 (grid limits)", big,
           [](const Tensor& x) { return transpose(x, 1, 2); });
  view_row("transpose", {8, 515, 513}, "batched, many tiles", big, [](const Tensor& x) { return transpose(x, 1, 2); });
  view_row("permute", {2, 3, 4, 5}, "(2, 0, 3, 1) (strided_copy)", kAllModes,
           [](const Tensor& x) { return permute(x, {2, 0, 3, 1}); });
  view_row("permute", {16, 64, 4, 64}, "(0, 2, 1, 3) heads split (strided_copy, large)", big,
           [](const Tensor& x) { return permute(x, {0, 2, 1, 3}); });
  view_row("slice", {7, 9}, "dim 1 [2, 7) (backward: strided_scatter)", kAllModes,
           [](const Tensor& x) { return slice(x, 1, 2, 7); });
  view_row("slice", {6, 5, 4}, "dim 0 [1, 1) (empty)", kValue | kDevice, [](const Tensor& x) { return slice(x, 0, 1, 1); });
  view_row("slice", {64, 1024, 48}, "dim 2 [5, 37) (strided, large)", big, [](const Tensor& x) { return slice(x, 2, 5, 37); });
  view_row("contiguous", {5, 6, 7}, "of a permuted view", kAllModes, [](const Tensor& x) { return permute(x, {1, 2, 0}); });
  // to_device: on a machine with a GPU the row goes there and back (two copies, each with a backward);
  // without one it is the same-device identity
  view_row("to_device", {4, 9}, "to the other device and back", kAllModes, [](const Tensor& x) {
    const Device other = cuda_available() && x.device().is_cpu() ? Device::cuda() : Device::cpu();
    return to_device(scale(to_device(x, other), 1.f), x.device());
  });
  return out;
}

const AddRows registered(rows());

}  // namespace
}  // namespace ponet::ops_table
