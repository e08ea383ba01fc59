#include "train/metrics.h"

#include "core/error.h"

namespace ponet::train {

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
  for (int64_t i = 0; i < n; ++i) {
    const float* row = l + i * c;
    int64_t b = 0;
    float m = row[0];  // the first maximum wins; a NaN is never greater, so it is never picked (but at 0)
    for (int64_t j = 1; j < c; ++j)
      if (row[j] > m) {
        m = row[j];
        b = j;
      }
    best[i] = b;
  }
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
