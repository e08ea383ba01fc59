// out[i] = mask[i] ? value : x[i] over contiguous buffers (kernels/cpu/masked_fill.h). No reference
// kernel beside it: the oracle is the op table's expected values, computed in double. Tested by
// tests/ops_table/ (rows "masked_fill": build/test_ops value --filter masked_fill) and
// tests/test_masked_fill.cpp; timed by build/test_ops perf.
#include "kernels/cpu/masked_fill.h"

namespace ponet::cpu {

void masked_fill_forward(float* out, const float* x, const int64_t* mask, int64_t n, float value) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) out[i] = mask[i] != 0 ? value : x[i];
}

}  // namespace ponet::cpu
