// The STREAM triad a[i] = b[i] + s * c[i] over n floats, the bandwidth probe of `ponet profile`
// (apps/machine_limits.h). No reference beside it and no op-table row (it is not an op): tested by
// tests/test_triad.cpp; it is itself the bench.
#include "kernels/cpu/triad.h"

namespace ponet::cpu {

void triad(float* a, const float* b, const float* c, float s, int64_t n) {
#pragma omp parallel for simd schedule(static)
  for (int64_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}

}  // namespace ponet::cpu
