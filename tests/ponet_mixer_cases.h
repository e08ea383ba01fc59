// The two layouts the mixer tests run the fused and composed PoNet mixer on: sentences with [CLS]/[SEP]
// (derived segments, the special-token rule, padding) and LRA's fixed chunks (no special tokens).
#pragma once
#include <vector>

#include "nn/segment_index.h"
#include "test_util.h"

namespace ponet::testing {

struct MixerCase {
  Tensor q, k, o, local, segment, valid, segment_ids, special;
  int64_t heads = 0;
  std::vector<Tensor> inputs() const { return {q, k, o, local, segment}; }
};

// [CLS] a b [SEP] c d [SEP] pad pad, derived segments 0 1 1 2 3 3 4 5 5; and a second, full row.
inline MixerCase sentences_mixer_case(uint64_t seed, bool requires_grad) {
  const int64_t B = 2, L = 9, D = 8;
  Rng rng(seed);
  MixerCase c;
  for (Tensor* t : {&c.q, &c.k, &c.o, &c.local, &c.segment}) *t = random_tensor({B, L, D}, rng, requires_grad);
  Tensor ids = Tensor::from_vector_i64({101, 5, 6, 102, 7, 8, 102, 0, 0, /**/ 101, 9, 102, 10, 11, 12, 13, 14, 102}, {B, L});
  c.valid = Tensor::from_vector_i64({1, 1, 1, 1, 1, 1, 1, 0, 0, /**/ 1, 1, 1, 1, 1, 1, 1, 1, 1}, {B, L});
  c.segment_ids = nn::derive_segment_index(ids, 101, 102);
  c.special = nn::special_token_mask(ids, 101, 102);
  c.heads = 2;
  return c;
}

// LRA layout: fixed chunks of 3, no special-token rule, padding at the end of the first row.
inline MixerCase chunks_mixer_case(uint64_t seed, bool requires_grad) {
  const int64_t B = 2, L = 10, D = 6;
  Rng rng(seed);
  MixerCase c;
  for (Tensor* t : {&c.q, &c.k, &c.o, &c.local, &c.segment}) *t = random_tensor({B, L, D}, rng, requires_grad);
  c.valid = Tensor::from_vector_i64({1, 1, 1, 1, 1, 1, 1, 0, 0, 0, /**/ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {B, L});
  c.segment_ids = nn::fixed_chunk_segment_index(B, L, 3);
  c.heads = 3;
  return c;
}

}  // namespace ponet::testing
