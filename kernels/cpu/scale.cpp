// out[i] = in[i] * factor + offset over n contiguous floats (kernels/cpu/scale.h). No reference kernel
// beside it: the oracle is the op table's expected values, computed in double. Tested by tests/ops_table/
// (rows "scale", "add_scalar": build/test_ops value --filter scale,add_scalar); no bench of its own.
#include "kernels/cpu/scale.h"

namespace ponet::cpu {

void scale_forward(float* out, const float* in, int64_t n, float factor, float offset) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) out[i] = in[i] * factor + offset;
}

}  // namespace ponet::cpu
