// Accuracy counts from logits: argmax of each row against its target (rows with target -100 skipped).
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace ponet::train {

struct Accuracy {
  int64_t correct = 0, total = 0;
  double value() const { return total ? static_cast<double>(correct) / total : 0.0; }
  void add(const Accuracy& o) {
    correct += o.correct;
    total += o.total;
  }
};

// logits [N, C] (any device), targets int64 [N] (any device).
Accuracy argmax_accuracy(const Tensor& logits, const Tensor& targets, int64_t ignore_index = -100);

}  // namespace ponet::train
