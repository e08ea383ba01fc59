// Max-pool over the length dim, window 3, stride 1, same padding (positions outside [0, L) take no
// part). x, out, dout, dx are (B, L, C) contiguous; arg (B, L, C) holds each output's winning position
// (the leftmost among equal maxima).
//   backward: dx[b,m,c] = sum of dout[b,l,c] for l in {m-1, m, m+1} with arg[b,l,c] == m (overwrites dx;
//   a gather, so no two threads write one element)
#pragma once
#include <cstdint>

namespace ponet::cpu {

void max_pool1d_forward(float* out, int64_t* arg, const float* x, int64_t B, int64_t L, int64_t C);
void max_pool1d_backward(float* dx, const float* dout, const int64_t* arg, int64_t B, int64_t L, int64_t C);

}  // namespace ponet::cpu
