// The sequence-classification task: labelled token sequences through any nn::SequenceClassifier
// (either family). Training batches are drawn from the data Rng, either uniformly with replacement or in
// reshuffled epochs (ClassificationOptions::epochs; the sampler's place is kept in checkpoints), so a
// resumed run continues with the same batches; evaluation runs over every held-out example once, in order.
// Objective: the model's loss (mean cross-entropy over the batch, or its regression loss) unweighted.
// Metrics: loss (mean cross-entropy per example), accuracy, macro-F1, micro-F1 (= accuracy here).
#pragma once
#include <optional>
#include <vector>

#include "data/classification_example.h"
#include "nn/sequence_classifier.h"
#include "train/example_draw.h"
#include "train/task.h"

namespace ponet::train {

struct ClassificationBatch {
  Tensor input_ids, attention_mask;  // int64 [B, L], padded with pad_id / 0
  Tensor labels;                     // int64 [B]
  Tensor segment_ids;                // int64 [B, L] when the examples carry segments (padding: last + 1)
  int64_t num_tokens = 0;            // real tokens
};

// Pads the chosen examples to `pad_to` (> 0) or to the longest of them (0). Errors name the example.
ClassificationBatch make_classification_batch(const std::vector<data::ClassificationExample>& examples,
                                              const std::vector<size_t>& indices, int64_t pad_id, int64_t pad_to);

struct ClassificationOptions {
  int64_t batch_size = 32;
  int64_t pad_to = 0;      // 0: pad each batch to its longest example
  bool fused = true;       // fused kernels where a mixer has them
  bool epochs = false;     // true: every training example once per epoch, reshuffled (data/epoch_sampler.h)
  Precision precision = Precision::fp32;  // of the model's GEMMs, training and evaluation (core/precision.h)
};

class ClassificationTask : public Task {
 public:
  // Checks every example (non-empty, not longer than the model allows, label in range).
  ClassificationTask(nn::SequenceClassifier& model, std::vector<data::ClassificationExample> train,
                     std::vector<data::ClassificationExample> eval, ClassificationOptions options);

  nn::Model& model() override { return model_; }
  StepResult forward_next_batch(Rng& data_rng) override;
  Metrics evaluate() override { return evaluate_on(eval_); }  // loss, accuracy, macro_f1, micro_f1, examples
  // The same metrics on other examples (e.g. the test split), checked like the others. Call it with the
  // model in eval mode (the Trainer's evaluate() does that for the held-out set).
  Metrics evaluate_on(const std::vector<data::ClassificationExample>& examples);
  std::string describe(const Metrics& eval) const override;
  std::vector<std::string> chart_metrics() const override { return {"accuracy", "macro_f1"}; }
  void set_shard(const Shard& shard) override;
  std::string sampler_state() const override { return draw_->state(); }
  void set_sampler_state(const std::string& state) override;

 private:
  nn::SequenceClassifier& model_;
  std::vector<data::ClassificationExample> train_, eval_;
  ClassificationOptions options_;
  Shard shard_;
  std::optional<ExampleDraw> draw_;  // set once the examples are checked
};

}  // namespace ponet::train
