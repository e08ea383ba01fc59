// Accuracy counts from logits: argmax of each row against its target (rows with target -100 skipped).
#pragma once
#include <cstdint>
#include <vector>

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

// The argmax of every row of logits [N, C] (lowest index on ties; a NaN is never greater than anything,
// and a row starting with NaN gives 0), by argmax_row.
std::vector<int64_t> argmax_rows(const Tensor& logits);

// One row of c floats: argmax_row is the vectorised form, argmax_row_reference the plain loop it must
// equal (tests/test_metrics.cpp).
int64_t argmax_row(const float* row, int64_t c);
int64_t argmax_row_reference(const float* row, int64_t c);

// Macro-averaged F1 over the classes in [0, num_classes) that occur in `gold` or `predicted` (a class
// never seen in either is left out, as in scikit-learn); a class with no true positive scores 0.
double macro_f1(const std::vector<int64_t>& predicted, const std::vector<int64_t>& gold, int64_t num_classes);

}  // namespace ponet::train
