// The fused PoNet token mixer: everything between the five projections and the mixer output in one
// forward and one backward kernel (semantics: docs/ponet_mixer_spec.md, "The mixer, step by step").
//
// Layouts: q, k, o, local, segment, y and their gradients are (B, L, D) contiguous; D = H heads * d.
// valid (B, L): 1 = real token. special (B, L) or nullptr: 1 = CLS/SEP (the special-token rule).
// Segments come as a SegmentLayout (kernels/cpu/segment_layout.h).
//
// Forward saves for backward only what cannot be recomputed cheaply from K and O:
//   prob (B, H, L)  GA softmax over positions        value (B, D)  GA output v = sum_l p k (V is K)
//   query (B, D)    GA global query g (mean of q)
//   seg_win, seg_best (B, K, D)  winning position and value of every (segment, channel), K = the
//                   layout's segment count
//   loc_win (B, L, D) bytes  the LMP winner of every element as 0, 1, 2 = position l-1, l, l+1
// so backward needs only K, O and the masks of the inputs; Q, LOCAL and SEGMENT are not kept. Against
// keeping the (B, L, D) pool values and int64 arg maps this is 25 bytes less per activation element.
//
// `branches` (kernels/ponet_branches.h) removes GA, SMP or LMP from PF for the paper's ablation. A
// removed branch is not computed: forward saves zeros for GA (prob, value, query) and nothing for the
// pools, and backward writes zero gradients to the inputs only that branch reads (q and k for GA,
// segment for SMP, local for LMP).
#pragma once
#include <cstdint>

#include "kernels/cpu/segment_layout.h"
#include "kernels/ponet_branches.h"

namespace ponet::cpu {

struct MixerDims {
  int64_t B, L, D, H;
};

struct MixerSaved {
  float* prob;
  float* value;
  float* query;
  int64_t* seg_win;
  float* seg_best;
  uint8_t* loc_win;
};

struct MixerInputs {
  const float *q, *k, *o, *local, *segment;
  const int64_t* valid;
  const int64_t* special;  // may be nullptr
};

void ponet_mixer_forward(float* y, const MixerSaved& saved, const MixerInputs& in, const SegmentLayout& seg,
                         const MixerDims& dims, const PoNetBranches& branches);

// Overwrites dq, dk, d_o, dlocal, dsegment. Reads only in.k, in.o, in.valid and in.special.
void ponet_mixer_backward(float* dq, float* dk, float* d_o, float* dlocal, float* dsegment, const float* dy,
                          const MixerSaved& saved, const MixerInputs& in, const SegmentLayout& seg,
                          const MixerDims& dims, const PoNetBranches& branches);

// The value written where a pool candidate must never win (padding; CLS/SEP in local windows).
constexpr float kMixerNegFill = -10000.f;

}  // namespace ponet::cpu
