// The pretraining task: MLM + sentence-pair batches (data/pretraining_data.h) through
// PoNetForPreTraining. It owns the objective, one of the paper's three (Tan et al. 2022, Table 5):
//   mlm+sso  mlm_weight * MLM + sso_weight * SSO, PoNet's 3-way sentence structure (the default)
//   mlm+nsp  mlm_weight * MLM + sso_weight * NSP, BERT's next-sentence prediction (2 labels); the same
//            seq_relationship head with num_sso_labels 2
//   mlm      mlm_weight * MLM alone, on in-order pairs: no sentence term, so the seq_relationship head
//            and the pooler receive no gradient
// The loss it reports (progress line, log, evaluation) is MLM + the sentence loss (or MLM alone),
// whatever the weights; the sentence metrics are named after it: sso_* or nsp_*, none for mlm.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "data/pretraining_data.h"
#include "nn/ponet_for_pretraining.h"
#include "train/task.h"

namespace ponet::train {

enum class Objective { mlm_sso, mlm_nsp, mlm };

// "mlm+sso", "mlm+nsp", "mlm"; anything else throws, naming the value and the choices.
Objective parse_objective(const std::string& name);
std::string objective_name(Objective objective);
// The sentence pairs an objective trains on, and its seq_relationship labels (0: no sentence loss).
data::SentencePairs sentence_pairs(Objective objective);
int64_t sentence_labels(Objective objective);
// "sso", "nsp", or "" for MLM alone: the prefix of the sentence metrics; "SSO", "NSP", "" in messages.
std::string sentence_metric(Objective objective);
std::string sentence_title(Objective objective);

// The sentence fields hold the objective's sentence task (SSO or NSP); zero for MLM alone.
struct EvalResult {
  double loss = 0, mlm_loss = 0, sentence_loss = 0, mlm_accuracy = 0, sentence_accuracy = 0;
  int64_t mlm_count = 0, sentence_count = 0;
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
  std::vector<std::string> chart_metrics() const override;
  std::string loss_title() const override;
  void set_shard(const Shard& shard) override;

  EvalResult evaluate_pretraining();
  // What training steps recompute in backward (nn/recompute.h); evaluation keeps nothing anyway.
  void set_recompute(nn::Recompute r) { recompute_ = r; }
  // The precision of the model's GEMMs in training steps and evaluation (core/precision.h).
  void set_precision(Precision p) { precision_ = p; }
  Precision precision() const { return precision_; }
  // The objective: the one whose pairs the training data builds (first constructor), else mlm+sso until
  // set. Throws when the model's seq_relationship head does not have the objective's labels, when the
  // training data builds other pairs, or when MLM alone has a zero MLM weight.
  void set_objective(Objective objective);
  Objective objective() const { return objective_; }

 private:
  nn::PoNetForPreTraining& model_;
  BatchSource next_batch_;
  int64_t batch_size_;
  std::vector<data::Batch> eval_batches_;
  float mlm_weight_, sso_weight_;
  bool fused_;
  Objective objective_ = Objective::mlm_sso;
  std::optional<data::SentencePairs> data_pairs_;  // the training data's, when the task was given it
  nn::Recompute recompute_ = nn::Recompute::none;
  Precision precision_ = Precision::fp32;
  Shard shard_;
};

// Turns a data batch into model inputs.
nn::PoNetInputs to_inputs(const data::Batch& batch);

}  // namespace ponet::train
