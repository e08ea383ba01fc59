// Masked-token pretraining on an LRA task's own sequences (`ponet lra TASK --self-pretrain`, docs/lra.md):
// the training examples' token ids, without their labels, through nn::LraForMaskedLM. Every batch is
// masked as BERT masks: each real token (id != 0) is selected with probability mask_prob; of the selected,
// 80 % become the mask id, 10 % a random real id in [1, vocab_size), 10 % stay; labels are the original
// ids there and -100 elsewhere; a row where nothing was selected gets one selected position, so every row
// is scored. Masks are drawn from the data Rng (resumed runs continue them); evaluation masks the held-out
// sequences with a fixed seed, so every evaluation scores the same positions.
// Objective: the mean cross-entropy over the batch's scored positions.
// Metrics: loss (mean cross-entropy per scored position), accuracy (top-1 there), masked_tokens.
#pragma once
#include <optional>
#include <vector>

#include "data/classification_example.h"
#include "nn/lra_masked_lm.h"
#include "train/example_draw.h"
#include "train/task.h"

namespace ponet::train {

struct LraMasking {
  float mask_prob = 0.15f;  // each real token is selected with this probability
  int64_t vocab_size = 0;   // the task's ids: [0, vocab_size), 0 = padding
  int64_t mask_id = 0;      // what 80 % of the selected become: an id outside the task's (vocab_size itself)
};

struct MaskedBatch {
  Tensor input_ids;        // int64 [B, L], padded with 0, the selected tokens replaced
  Tensor labels;           // int64 [B, L]: the original id where selected, -100 elsewhere
  int64_t num_tokens = 0;  // real tokens
};

// Masks sequences[indices[0]], ... (checked by the caller), each padded to pad_to with 0, drawing from
// `rng` row by row and position by position.
MaskedBatch mask_sequences(const std::vector<std::vector<int64_t>>& sequences, const std::vector<size_t>& indices,
                           int64_t pad_to, const LraMasking& masking, Rng& rng);

// The token ids of labelled examples: what self-pretraining trains on.
std::vector<std::vector<int64_t>> token_sequences(const std::vector<data::ClassificationExample>& examples);

struct LraMaskedLMOptions {
  int64_t batch_size = 32;
  int64_t pad_to = 0;       // > 0: every sequence is padded to it, as the classifier's task pads them
  LraMasking masking;
  bool fused = true;        // fused kernels where a mixer has them
  bool epochs = false;      // true: every training sequence once per epoch, reshuffled (data/epoch_sampler.h)
  Precision precision = Precision::fp32;  // of the model's GEMMs, training and evaluation (core/precision.h)
  uint64_t eval_seed = 0x5e1f;  // the held-out masking's
};

class LraMaskedLMTask : public Task {
 public:
  // Checks the options against the model (mask id and vocabulary inside its embeddings) and every
  // sequence (non-empty, at most pad_to ids, ids in [0, vocab_size), a real token); errors name them.
  LraMaskedLMTask(nn::LraForMaskedLM& model, std::vector<std::vector<int64_t>> train,
                  std::vector<std::vector<int64_t>> eval, LraMaskedLMOptions options);

  nn::Model& model() override { return model_; }
  StepResult forward_next_batch(Rng& data_rng) override;
  Metrics evaluate() override;  // loss, accuracy, masked_tokens; the model in eval mode
  std::string describe(const Metrics& eval) const override;
  std::vector<std::string> chart_metrics() const override { return {"accuracy"}; }
  std::string loss_title() const override { return "loss (MLM)"; }
  void set_shard(const Shard& shard) override;
  std::string sampler_state() const override { return draw_->state(); }
  void set_sampler_state(const std::string& state) override;

 private:
  nn::LraForMaskedLM& model_;
  std::vector<std::vector<int64_t>> train_, eval_;
  LraMaskedLMOptions options_;
  Shard shard_;
  std::optional<ExampleDraw> draw_;  // set once the examples are checked
};

}  // namespace ponet::train
