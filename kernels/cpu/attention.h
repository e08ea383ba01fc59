// Multi-head scaled dot-product self-attention (the Transformer baseline of the PoNet paper), fused so
// that one score matrix is all it keeps for backward.
//
// Layouts: q, k, v, out and their gradients are (B, L, D) contiguous with D = H * d; head h owns channels
// h*d .. h*d+d-1 (BERT's split). The kernels read the heads in place (leading dimension D), so no
// permuted copies are made. key_valid (B, L): 1 = real key, 0 = padded key, or nullptr (all real); every
// row must have a real key (the op checks). prob (B, H, L, L).
//
// Per (b, h):  S = Q_h K_h^T / sqrt(d); P = softmax over the real keys (padded keys get exactly 0);
//              P' = P * mask-scale (inverted dropout, when p > 0); out_h = P' V_h.
// Dropout: element (b, h, i, j) of P is kept iff dropout_scale(seed, ((b*H + h)*L + i)*L + j, p) != 0
// (kernels/dropout_hash.h), so the mask is never stored: backward recomputes it from the seed. p = 0
// means no dropout (eval mode passes 0).
//
// Forward writes prob = P (pre-dropout), the only L^2 tensor that backward needs. Backward:
//   dP' = dOut_h V_h^T,  dV_h = P'^T dOut_h,  dP = dP' * mask-scale,  dS = P * (dP - rowsum(dP * P)),
//   dQ_h = dS K_h / sqrt(d),  dK_h = dS^T Q_h / sqrt(d).
// Transient memory: forward, a 48 x L block of P' per OpenMP worker (dropout only); backward, dS of a
// group of pairs (one pair once L >= 96 x threads, never more pairs than threads) plus an L x 48 block of
// P' per worker (dropout only). Results do not depend on the number of threads.
#pragma once
#include <cstdint>

namespace ponet::cpu {

struct AttentionDims {
  int64_t B, L, H, d;
};

void attention_forward(float* out, float* prob, const float* q, const float* k, const float* v,
                       const int64_t* key_valid, const AttentionDims& dims, float p, uint64_t seed);

// Overwrites dq, dk, dv. Padded keys need no mask here: their P is exactly 0, hence so is their dS.
void attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* prob, const float* q,
                        const float* k, const float* v, const AttentionDims& dims, float p, uint64_t seed);

// Plain loops in double from the same formulas and the same dropout hash: the oracle for the tests.
// The reference backward recomputes P itself (it takes key_valid, not prob).
void attention_reference_forward(float* out, float* prob, const float* q, const float* k, const float* v,
                                 const int64_t* key_valid, const AttentionDims& dims, float p, uint64_t seed);
void attention_reference_backward(float* dq, float* dk, float* dv, const float* dout, const float* q, const float* k,
                                  const float* v, const int64_t* key_valid, const AttentionDims& dims, float p,
                                  uint64_t seed);

}  // namespace ponet::cpu
