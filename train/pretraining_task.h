// The pretraining task: MLM + SSO batches (data/pretraining_data.h) through PoNetForPreTraining.
// It owns the objective: mlm_weight * MLM + sso_weight * SSO (both 1 by default). The loss it reports
// (progress line, log, evaluation) is MLM + SSO whatever the weights.
#pragma once
#include <functional>
#include <vector>

#include "data/pretraining_data.h"
#include "nn/ponet_for_pretraining.h"
#include "train/task.h"

namespace ponet::train {

struct EvalResult {
  double loss = 0, mlm_loss = 0, sso_loss = 0, mlm_accuracy = 0, sso_accuracy = 0;
  int64_t mlm_count = 0, sso_count = 0;
};

// Where training batches come from: the next global batch, drawn with the data Rng.
using BatchSource = std::function<data::Batch(Rng& data_rng)>;

class PretrainingTask : public Task {
 public:
  // Batches from the corpus. eval_batches are fixed (drawn once by the caller) so every evaluation sees
  // the same examples.
  PretrainingTask(nn::PoNetForPreTraining& model, data::PretrainingData& train_data, std::vector<data::Batch> eval_batches,
                  float mlm_weight = 1.f, float sso_weight = 1.f, bool fused_mixer = true);
  // Batches of batch_size rows from any source (benchmarks and examples: e.g. one fixed batch every step).
  PretrainingTask(nn::PoNetForPreTraining& model, BatchSource next_batch, int64_t batch_size,
                  std::vector<data::Batch> eval_batches, float mlm_weight = 1.f, float sso_weight = 1.f,
                  bool fused_mixer = true);

  nn::Model& model() override { return model_; }
  StepResult forward_next_batch(Rng& data_rng) override;
  Metrics evaluate() override;
  std::string describe(const Metrics& eval) const override;
  std::vector<std::string> chart_metrics() const override { return {"mlm_accuracy", "sso_accuracy"}; }
  std::string loss_title() const override { return "loss (MLM + SSO)"; }
  void set_shard(const Shard& shard) override;

  EvalResult evaluate_pretraining();
  // What training steps recompute in backward (nn/recompute.h); evaluation keeps nothing anyway.
  void set_recompute(nn::Recompute r) { recompute_ = r; }

 private:
  nn::PoNetForPreTraining& model_;
  BatchSource next_batch_;
  int64_t batch_size_;
  std::vector<data::Batch> eval_batches_;
  float mlm_weight_, sso_weight_;
  bool fused_;
  nn::Recompute recompute_ = nn::Recompute::none;
  Shard shard_;
};

// Turns a data batch into model inputs.
nn::PoNetInputs to_inputs(const data::Batch& batch);

}  // namespace ponet::train
