// Inverted dropout over n contiguous floats with the counter-hash mask of kernels/dropout_hash.h, in
// blocks of kernels/cpu/dropout_multiply.h (vectorised there, with its plain loop beside it). No
// reference kernel beside it: the oracle is the op table's expected values, computed in double. Tested by
// tests/ops_table/ (rows "dropout": build/test_ops value --filter dropout) and tests/test_dropout.cpp; no
// bench of its own.
#include "kernels/cpu/dropout.h"

#include <algorithm>

#include "kernels/cpu/dropout_multiply.h"
#include "kernels/cpu/unary.h"

namespace ponet::cpu {

void dropout_apply(float* out, const float* x, int64_t n, float p, uint64_t seed) {
  const int64_t blocks = (n + kElementwiseBlock - 1) / kElementwiseBlock;  // the activations' blocks
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t lo = b * kElementwiseBlock, hi = std::min(n, lo + kElementwiseBlock);
    dropout_multiply(out + lo, x + lo, hi - lo, seed, static_cast<uint64_t>(lo), p);
  }
}

}  // namespace ponet::cpu
