#include "kernels/cpu/masked_fill.h"

namespace ponet::cpu {

void masked_fill_forward(float* out, const float* x, const int64_t* mask, int64_t n, float value) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) out[i] = mask[i] != 0 ? value : x[i];
}

}  // namespace ponet::cpu
