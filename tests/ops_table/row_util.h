// Helpers for writing op-table rows: seeded inputs and double-precision views of tensors.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "core/tensor.h"
#include "tests/ops_table/op_case.h"

namespace ponet::ops_table {

// Uniform in [lo, hi), seeded; requires grad unless told otherwise.
Tensor uniform_input(const Shape& shape, uint64_t seed, float lo = -1.f, float hi = 1.f, bool requires_grad = true);
// int64 ids uniform in [0, hi).
Tensor id_input(const Shape& shape, int64_t hi, uint64_t seed);
// int64 0/1 mask of shape [B, L] with `real[b]` leading ones per row (the rest 0: padding at the end).
Tensor prefix_mask(int64_t B, int64_t L, const std::vector<int64_t>& real);
// int64 [B, L] segment ids in fixed chunks of `chunk` positions (LRA's segments).
Tensor chunk_segments(int64_t B, int64_t L, int64_t chunk);

// The elements of a CPU tensor (float32 or int64, any strides) in row-major order, read from its
// storage by index arithmetic on its strides: no kernel of the library runs, so a reference built on
// this cannot share a bug with contiguous() or the copy kernels.
std::vector<double> as_double(const Tensor& t);

// Row-major strides of a contiguous tensor of `shape`, computed here rather than by core/shape.
std::vector<int64_t> row_major_strides(const Shape& shape);
// out[i] = values[offset + sum_k index_k(i) * strides[k]], index(i) the row-major index of i in `shape`.
std::vector<double> gather(const std::vector<double>& values, const Shape& shape, const std::vector<int64_t>& strides,
                           int64_t offset);

// Row-major index helpers for broadcasting references.
std::vector<int64_t> unravel(int64_t flat, const Shape& shape);
int64_t broadcast_index(const std::vector<int64_t>& out_index, const Shape& in_shape);
Shape broadcast_shape(const Shape& a, const Shape& b);

// out[i] = f(a[ia], b[ib]) over the broadcast of a and b, in double.
Expected broadcast_map(const Tensor& a, const Tensor& b, const std::function<double(double, double)>& f);
// out[i] = f(x[i]) in double, shaped like x.
Expected map(const Tensor& x, const std::function<double(double)>& f);

}  // namespace ponet::ops_table
