// Inverted dropout over n contiguous floats with the counter-hash mask of kernels/dropout_hash.h. No
// reference kernel beside it: the oracle is the op table's expected values, computed in double. Tested by
// tests/ops_table/ (rows "dropout": build/test_ops value --filter dropout) and tests/test_dropout.cpp; no
// bench of its own.
#include "kernels/cpu/dropout.h"

#include "kernels/dropout_hash.h"

namespace ponet::cpu {

void dropout_apply(float* out, const float* x, int64_t n, float p, uint64_t seed) {
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] * dropout_scale(seed, static_cast<uint64_t>(i), p);
}

}  // namespace ponet::cpu
