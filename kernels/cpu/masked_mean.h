// Mean over the real positions of each row: x (B, L, C), mask (B, L) with 1 = real, out (B, C).
//   forward:  out[b,c] = sum_l mask[b,l] x[b,l,c] / n_b      (n_b = real positions of row b, > 0)
//   backward: dx[b,l,c] = mask[b,l] dout[b,c] / n_b
#pragma once
#include <cstdint>

namespace ponet::cpu {

void masked_mean_forward(float* out, const float* x, const int64_t* mask, int64_t B, int64_t L, int64_t C);
void masked_mean_backward(float* dx, const float* dout, const int64_t* mask, int64_t B, int64_t L, int64_t C);

}  // namespace ponet::cpu
