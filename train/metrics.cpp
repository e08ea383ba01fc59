#include "train/metrics.h"

#include "core/error.h"

namespace ponet::train {

Accuracy argmax_accuracy(const Tensor& logits, const Tensor& targets, int64_t ignore_index) {
  check_dim(logits, 2, "argmax_accuracy", "logits");
  check_shape(targets, {logits.size(0)}, "argmax_accuracy", "targets");
  const int64_t n = logits.size(0), c = logits.size(1);
  std::vector<float> l = logits.to_vector();
  std::vector<int64_t> t = targets.to_vector_i64();
  Accuracy acc;
  for (int64_t i = 0; i < n; ++i) {
    if (t[i] == ignore_index) continue;
    const float* row = l.data() + i * c;
    int64_t best = 0;
    for (int64_t j = 1; j < c; ++j)
      if (row[j] > row[best]) best = j;
    acc.correct += best == t[i];
    acc.total += 1;
  }
  return acc;
}

}  // namespace ponet::train
