// Causal max over the length dim: out[b,t,c] = max of x[b,m,c] for m in [start(t), t], where
//   start(t) = max(segment_start(t), t - window + 1),
//   segment_start(t) = (t / segment_length) * segment_length   (0 when segment_length == 0: no segments),
//   the window term only when window > 0.
// The causal SMP (the running max of the current fixed-length segment: window 0) and the causal LMP (a
// left-only window: segment_length 0) of nn/mixers/ponet_causal.h are both this op.
// x, out, dout, dx are (B, L, C) contiguous; arg (B, L, C) holds each output's winning position (the
// lowest among equal maxima, as the non-causal pools).
//   backward: dx[b,m,c] = sum of dout[b,t,c] over the t with arg[b,t,c] == m (overwrites dx; one thread
//   owns a whole (b, c) column, so there are no atomics and the sum order is fixed)
#pragma once
#include <cstdint>

namespace ponet::cpu {

// The fast kernel: a running max (O(1) per output) while start(t) does not move, a scan of the window
// when it does.
void prefix_max_forward(float* out, int64_t* arg, const float* x, int64_t B, int64_t L, int64_t C,
                        int64_t segment_length, int64_t window);
// The plain reference: every output scans its whole range [start(t), t].
void prefix_max_forward_reference(float* out, int64_t* arg, const float* x, int64_t B, int64_t L, int64_t C,
                                  int64_t segment_length, int64_t window);
void prefix_max_backward(float* dx, const float* dout, const int64_t* arg, int64_t B, int64_t L, int64_t C);

// start(t) above; shared by the kernels, the CUDA twin and the op's checks.
inline int64_t prefix_max_start(int64_t t, int64_t segment_length, int64_t window) {
  int64_t start = segment_length > 0 ? (t / segment_length) * segment_length : 0;
  if (window > 0 && t - window + 1 > start) start = t - window + 1;
  return start;
}

}  // namespace ponet::cpu
