// float32 <-> bfloat16 conversion (kernels/cpu/convert_dtype.h): the scalar rules of core/bfloat16.h over a buffer.
// Tested by tests/test_convert_dtype.cpp against those rules and by the safetensors round trip.
#include "kernels/cpu/convert_dtype.h"

#include "core/bfloat16.h"

namespace ponet::cpu {

void float_to_bf16(BFloat16* out, const float* in, int64_t n) {
#pragma omp parallel for schedule(static) if (n > (1 << 20))
  for (int64_t i = 0; i < n; ++i) out[i].bits = ponet::float_to_bf16(in[i]);
}

void bf16_to_float(float* out, const BFloat16* in, int64_t n) {
#pragma omp parallel for schedule(static) if (n > (1 << 20))
  for (int64_t i = 0; i < n; ++i) out[i] = ponet::bf16_to_float(in[i].bits);
}

}  // namespace ponet::cpu
