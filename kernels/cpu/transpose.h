// Batched 2-D transpose copy: out[b] (cols x rows) = in[b]^T for `batches` contiguous rows x cols
// matrices. contiguous() uses it for views that swap the last two dims (the common case in backward
// passes and head splits). Its oracle is the op table's view rows, computed by index arithmetic.
#pragma once
#include <cstdint>

namespace ponet::cpu {

void transpose_copy(float* out, const float* in, int64_t batches, int64_t rows, int64_t cols);

}  // namespace ponet::cpu
