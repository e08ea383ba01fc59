#include "train/metrics.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "core/error.h"

namespace ponet::train {

int64_t argmax_row_reference(const float* row, int64_t c) {
  int64_t b = 0;
  float m = row[0];  // the first maximum wins; a NaN is never greater, so it is never picked (but at 0)
  for (int64_t j = 1; j < c; ++j)
    if (row[j] > m) {
      m = row[j];
      b = j;
    }
  return b;
}

int64_t argmax_row(const float* row, int64_t c) {
  // Lane k keeps the maximum of row[k], row[k + W], ... and the first index that holds it, with the
  // compare-and-select of the reference: branch-free, so the compiler vectorises it (the reference's
  // branch ran one element at a time: ~5 % of a default pretraining step, whose [1640, 8000] MLM logits
  // it scans for the training accuracy). The lanes are then merged: the largest value, lowest index.
  constexpr int64_t W = 16;
  if (c < 2 * W || c > INT32_MAX || std::isnan(row[0])) return argmax_row_reference(row, c);
  float best[W];
  int32_t at[W];
  for (int64_t k = 0; k < W; ++k) {
    best[k] = -std::numeric_limits<float>::infinity();
    at[k] = -1;  // no element of this lane is greater than -inf yet
  }
  int64_t j = 0;
  for (; j + W <= c; j += W)
    for (int64_t k = 0; k < W; ++k) {
      const float x = row[j + k];
      const bool greater = x > best[k];
      best[k] = greater ? x : best[k];
      at[k] = greater ? static_cast<int32_t>(j + k) : at[k];
    }
  float m = row[0];
  int64_t b = 0;
  for (int64_t k = 0; k < W; ++k)
    if (at[k] >= 0 && (best[k] > m || (best[k] == m && at[k] < b))) {
      m = best[k];
      b = at[k];
    }
  for (; j < c; ++j)  // the tail lies after every lane's index: only a greater value moves b
    if (row[j] > m) {
      m = row[j];
      b = j;
    }
  return b;
}

std::vector<int64_t> argmax_rows(const Tensor& logits) {
  check_dim(logits, 2, "argmax_rows", "logits");
  check_dtype(logits, DType::F32, "argmax_rows", "logits");
  const int64_t n = logits.size(0), c = logits.size(1);
  // Read in place when the logits are on the host already: the training MLM accuracy of every step
  // reads [masked tokens, vocab] (50 MiB in the default run), and a copy into a fresh vector faulted in
  // about 10 000 pages a step besides the copy itself.
  const Tensor host = (logits.device().is_cpu() ? logits : logits.to(Device::cpu())).contiguous();
  const float* l = host.data<float>();
  std::vector<int64_t> best(n, 0);
#pragma omp parallel for schedule(static) if (n * c > 65536)
  for (int64_t i = 0; i < n; ++i) best[i] = argmax_row(l + i * c, c);
  return best;
}

Accuracy argmax_accuracy(const Tensor& logits, const Tensor& targets, int64_t ignore_index) {
  check_dim(logits, 2, "argmax_accuracy", "logits");
  check_shape(targets, {logits.size(0)}, "argmax_accuracy", "targets");
  const std::vector<int64_t> best = argmax_rows(logits), t = targets.to_vector_i64();
  Accuracy acc;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == ignore_index) continue;
    acc.correct += best[i] == t[i];
    acc.total += 1;
  }
  return acc;
}

double macro_f1(const std::vector<int64_t>& predicted, const std::vector<int64_t>& gold, int64_t num_classes) {
  PONET_CHECK(predicted.size() == gold.size(), "macro_f1: ", predicted.size(), " predictions for ", gold.size(),
              " labels");
  std::vector<int64_t> tp(num_classes, 0), fp(num_classes, 0), fn(num_classes, 0);
  for (size_t i = 0; i < gold.size(); ++i) {
    PONET_CHECK(gold[i] >= 0 && gold[i] < num_classes && predicted[i] >= 0 && predicted[i] < num_classes,
                "macro_f1: class out of [0, ", num_classes, ") at ", i);
    if (predicted[i] == gold[i]) {
      ++tp[gold[i]];
    } else {
      ++fp[predicted[i]];
      ++fn[gold[i]];
    }
  }
  double sum = 0;
  int64_t classes = 0;
  for (int64_t c = 0; c < num_classes; ++c) {
    if (tp[c] + fp[c] + fn[c] == 0) continue;  // never predicted and never the answer
    sum += 2.0 * tp[c] / static_cast<double>(2 * tp[c] + fp[c] + fn[c]);
    ++classes;
  }
  return classes ? sum / classes : 0.0;
}

}  // namespace ponet::train
