// Sums without materialised transposes, for contiguous buffers; both accumulate in double so long
// reductions (a loss over 32k tokens, a bias gradient over 131k rows) do not drift.
//   sum_rows:   out[r] = sum_j in[r * cols + j]                    ([rows, cols], sum the last dim)
//   sum_middle: out[o, i] = sum_m in[(o * mid + m) * inner + i]    ([outer, mid, inner], sum the middle)
// autograd/ops/reduce.cpp brings every reduction to one of the two: a contiguous run of reduced dims is
// the middle (a bias gradient is outer 1, mid B*L, inner width); anything else is permuted first.
#pragma once
#include <cstdint>

namespace ponet::cpu {

void sum_rows(float* out, const float* in, int64_t rows, int64_t cols);
void sum_rows_reference(float* out, const float* in, int64_t rows, int64_t cols);

void sum_middle(float* out, const float* in, int64_t outer, int64_t mid, int64_t inner);
void sum_middle_reference(float* out, const float* in, int64_t outer, int64_t mid, int64_t inner);

}  // namespace ponet::cpu
