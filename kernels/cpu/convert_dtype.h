// float32 <-> bfloat16 element conversion (round to nearest even, NaN kept: core/bfloat16.h), for convert_dtype
// (autograd/ops/convert_dtype.cpp). Contiguous buffers of n elements.
#pragma once
#include <cstdint>

#include "core/dtype.h"

namespace ponet::cpu {

void float_to_bf16(BFloat16* out, const float* in, int64_t n);
void bf16_to_float(float* out, const BFloat16* in, int64_t n);

}  // namespace ponet::cpu
