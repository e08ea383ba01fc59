// Embedding gather, weight [vocab, dim] and ids [n] -> [n, dim]; backward a grouped gather. No reference
// kernel beside it: the oracle is the op table's expected values, computed in double. Tested by
// tests/ops_table/ (rows "embedding": build/test_ops value --filter embedding) and
// tests/test_embedding.cpp; no bench of its own.
#include "kernels/cpu/embedding.h"

#include <cstring>
#include <vector>

namespace ponet::cpu {

void embedding_forward(float* out, const float* weight, const int64_t* ids, int64_t n, int64_t dim) {
#pragma omp parallel for schedule(static) if (n * dim > 32768)
  for (int64_t p = 0; p < n; ++p)
    std::memcpy(out + p * dim, weight + ids[p] * dim, static_cast<size_t>(dim) * sizeof(float));
}

void embedding_group_positions(int64_t* offsets, int64_t* positions, const int64_t* ids, int64_t n,
                               int64_t vocab) {
  // Count each id, turn the counts into start offsets, then drop positions in order (stable).
  for (int64_t v = 0; v <= vocab; ++v) offsets[v] = 0;
  for (int64_t p = 0; p < n; ++p) ++offsets[ids[p] + 1];
  for (int64_t v = 0; v < vocab; ++v) offsets[v + 1] += offsets[v];
  std::vector<int64_t> next(offsets, offsets + vocab);
  for (int64_t p = 0; p < n; ++p) positions[next[ids[p]]++] = p;
}

void embedding_backward(float* dweight, const float* grad, const int64_t* offsets, const int64_t* positions,
                        int64_t vocab, int64_t dim, int64_t padding_idx) {
  // Each vocabulary row is owned by one task. Frequent ids make some rows much heavier than others,
  // hence dynamic scheduling; the result does not depend on which thread runs a row.
#pragma omp parallel for schedule(dynamic, 16) if (vocab * dim > 32768)
  for (int64_t v = 0; v < vocab; ++v) {
    float* row = dweight + v * dim;
    std::memset(row, 0, static_cast<size_t>(dim) * sizeof(float));
    if (v == padding_idx) continue;
    for (int64_t k = offsets[v]; k < offsets[v + 1]; ++k) {
      const float* g = grad + positions[k] * dim;
      for (int64_t j = 0; j < dim; ++j) row[j] += g[j];
    }
  }
}

}  // namespace ponet::cpu
