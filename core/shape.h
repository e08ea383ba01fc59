// Shapes and strides (in elements, row-major by default) and the broadcasting rule (NumPy's).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ponet {

using Shape = std::vector<int64_t>;

int64_t shape_numel(const Shape& shape);
Shape contiguous_strides(const Shape& shape);
std::string shape_str(const Shape& shape);  // "[3, 24, 32]"
// Maps a possibly negative dim into [0, ndim); throws naming `op` when out of range.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);
// The broadcast of two shapes; throws naming `op` when they are incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
// Strides that read a tensor of `shape`/`strides` as if it had `target` shape (0 stride on broadcast dims).
std::vector<int64_t> broadcast_strides(const Shape& shape, const std::vector<int64_t>& strides,
                                       const Shape& target);

}  // namespace ponet
