// Row sums: out[r] = sum_j in[r * cols + j] for a contiguous [rows, cols] buffer. Every reduction over
// arbitrary dims is brought to this form by permuting the reduced dims to the end (autograd/ops/reduce.cpp).
// Accumulates in double so long rows (e.g. a loss over 32k tokens) do not drift.
#pragma once
#include <cstdint>

namespace ponet::cpu {

void sum_rows(float* out, const float* in, int64_t rows, int64_t cols);
void sum_rows_reference(float* out, const float* in, int64_t rows, int64_t cols);

}  // namespace ponet::cpu
