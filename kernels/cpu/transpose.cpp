// Batched transpose copy, `batches` rows x cols matrices -> cols x rows (kernels/cpu/transpose.h).
// Reference: transpose_copy_reference, the plain loop in this file (tests/test_transpose.cpp, across tile
// edges). The op table's "transpose" rows check the op by index arithmetic; timed by build/test_ops perf.
#include "kernels/cpu/transpose.h"

#include <algorithm>

namespace ponet::cpu {

// 32 x 32 tiles: both the rows read and the rows written of a tile stay in L1, so neither side walks
// memory with a large stride for long.
void transpose_copy(float* out, const float* in, int64_t batches, int64_t rows, int64_t cols) {
  constexpr int64_t T = 32;
  const int64_t tiles_r = (rows + T - 1) / T, tiles_c = (cols + T - 1) / T;
#pragma omp parallel for collapse(2) schedule(static) if (batches * rows * cols > 65536)
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t tr = 0; tr < tiles_r; ++tr) {
      const float* src = in + b * rows * cols;
      float* dst = out + b * rows * cols;
      for (int64_t tc = 0; tc < tiles_c; ++tc)
        for (int64_t i = tr * T; i < std::min(rows, (tr + 1) * T); ++i)
          for (int64_t j = tc * T; j < std::min(cols, (tc + 1) * T); ++j) dst[j * rows + i] = src[i * cols + j];
    }
}

void transpose_copy_reference(float* out, const float* in, int64_t batches, int64_t rows, int64_t cols) {
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) out[b * rows * cols + j * rows + i] = in[b * rows * cols + i * cols + j];
}

}  // namespace ponet::cpu
