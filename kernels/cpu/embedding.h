// Embedding lookup on contiguous buffers: weight [vocab, dim], ids [n] (any id shape, flattened),
// out / grad [n, dim].
//
// Backward is a scatter-add (several positions may share an id). To stay deterministic and free of
// atomics it is written as a gather: the positions are first grouped by id with a stable counting sort
// (embedding_group_positions), then each vocabulary row sums its own positions in increasing order.
// The grouping is computed once on the host and is all backward needs besides the gradient.
#pragma once
#include <cstdint>

namespace ponet::cpu {

// out[p, :] = weight[ids[p], :]. The ids must already be checked to lie in [0, vocab).
void embedding_forward(float* out, const float* weight, const int64_t* ids, int64_t n, int64_t dim);

// Stable counting sort of positions by id: the positions holding id v are
// positions[offsets[v]] .. positions[offsets[v + 1] - 1], in increasing order. offsets has vocab + 1
// entries, positions has n. Ids must lie in [0, vocab).
void embedding_group_positions(int64_t* offsets, int64_t* positions, const int64_t* ids, int64_t n,
                               int64_t vocab);

// Overwrites dweight [vocab, dim]: row v = sum over the positions p of id v (in increasing p) of
// grad[p, :]; zero for ids never looked up and for row padding_idx when padding_idx >= 0.
void embedding_backward(float* dweight, const float* grad, const int64_t* offsets, const int64_t* positions,
                        int64_t vocab, int64_t dim, int64_t padding_idx);

}  // namespace ponet::cpu
