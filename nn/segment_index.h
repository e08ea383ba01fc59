// The three ways PoNet assigns each token to a segment for segment max-pooling (SMP):
//   given ids (from the data pipeline), fixed LRA chunks, or derived from CLS/SEP positions.
// All work on CPU int64 [B, L] tensors (ids are small host data) and return CPU int64 [B, L].
#pragma once
#include "core/tensor.h"

namespace ponet::nn {

// t[l] = special[l] + special[l-1]; s = cumsum(t) - 1: every CLS/SEP is a singleton segment, each
// sentence one segment, trailing padding one segment. Throws if a row does not start with CLS/SEP.
Tensor derive_segment_index(const Tensor& input_ids, int64_t cls_id, int64_t sep_id);
// s[b, l] = l / (L / segment_num + 1)  (note the + 1, as in the official LRA code).
Tensor fixed_chunk_segment_index(int64_t batch, int64_t length, int64_t segment_num);
// 1 where the token is CLS or SEP.
Tensor special_token_mask(const Tensor& input_ids, int64_t cls_id, int64_t sep_id);

}  // namespace ponet::nn
