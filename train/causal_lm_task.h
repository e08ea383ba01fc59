// The language-model task: next-token prediction windows (data/lm_data.h) through PoNetForCausalLM.
// The objective is the mean next-token cross-entropy; evaluation reports it on fixed held-out windows
// with its perplexity exp(loss) and the top-1 next-token accuracy.
#pragma once
#include <functional>
#include <vector>

#include "data/lm_data.h"
#include "nn/ponet_for_causal_lm.h"
#include "train/task.h"

namespace ponet::train {

class CausalLMTask : public Task {
 public:
  // eval_batches are fixed (drawn once by the caller) so every evaluation sees the same windows.
  // precision: of the model's GEMMs in training and evaluation (core/precision.h).
  CausalLMTask(nn::PoNetForCausalLM& model, const data::LmData& train_data, std::vector<data::LmBatch> eval_batches,
               Precision precision = Precision::fp32);

  nn::Model& model() override { return model_; }
  StepResult forward_next_batch(Rng& data_rng) override;
  Metrics evaluate() override;  // loss, perplexity, accuracy, count
  std::string describe(const Metrics& eval) const override;
  std::vector<std::string> chart_metrics() const override { return {"accuracy"}; }
  std::string loss_title() const override { return "loss (next-token cross-entropy)"; }
  void set_shard(const Shard& shard) override;

 private:
  nn::PoNetForCausalLM& model_;
  const data::LmData& train_data_;
  std::vector<data::LmBatch> eval_batches_;
  Precision precision_;
  Shard shard_;
};

}  // namespace ponet::train
