// Batched 2-D transpose copy: out[b] (cols x rows) = in[b]^T for `batches` contiguous rows x cols
// matrices. contiguous() uses it for views that swap the last two dims (the common case in backward
// passes and head splits). transpose_copy_reference beside it is the plain loop it is tested against; the
// op table's view rows check contiguous() itself by index arithmetic.
#pragma once
#include <cstdint>

namespace ponet::cpu {

void transpose_copy(float* out, const float* in, int64_t batches, int64_t rows, int64_t cols);
// The plain triple loop transpose_copy must equal (tests/test_transpose.cpp).
void transpose_copy_reference(float* out, const float* in, int64_t batches, int64_t rows, int64_t cols);

}  // namespace ponet::cpu
