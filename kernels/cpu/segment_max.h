// Segment max-pool over the length dim. x, out, dx, dout are (B, L, C) contiguous; `arg` (B, L, C)
// records, for every output, the position that won (the lowest one among equal maxima).
//   forward:  out[b,l,c] = max over m in the segment of l of x[b,m,c]
//   backward: dx[b,m,c] = sum of dout[b,l,c] over the outputs whose winner is m (overwrites dx)
#pragma once
#include <cstdint>

#include "kernels/cpu/segment_layout.h"

namespace ponet::cpu {

void segment_max_forward(float* out, int64_t* arg, const float* x, const SegmentLayout& seg, int64_t C);
void segment_max_backward(float* dx, const float* dout, const int64_t* arg, const SegmentLayout& seg, int64_t C);

}  // namespace ponet::cpu
