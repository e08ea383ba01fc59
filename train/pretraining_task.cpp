#include "train/pretraining_task.h"

#include <cstdio>

#include "autograd/grad_mode.h"
#include "core/error.h"

namespace ponet::train {

namespace {
// The labels of the scored positions, in order (the rows of the gathered MLM logits).
Tensor scored_labels(const data::Batch& b) {
  std::vector<int64_t> labels;
  for (int64_t v : b.labels.to_vector_i64())
    if (v != -100) labels.push_back(v);
  return Tensor::from_vector_i64(labels, {static_cast<int64_t>(labels.size())});
}
}  // namespace

nn::PoNetInputs to_inputs(const data::Batch& b) {
  nn::PoNetInputs in;
  in.input_ids = b.input_ids;
  in.attention_mask = b.attention_mask;
  in.token_type_ids = b.token_type_ids;
  in.segment_ids = b.segment_ids;
  in.labels = b.labels;
  in.next_sentence_label = b.next_sentence_label;
  return in;
}

PretrainingTask::PretrainingTask(nn::PoNetForPreTraining& model, data::PretrainingData& train_data,
                                 std::vector<data::Batch> eval_batches, float mlm_weight, float sso_weight, bool fused_mixer)
    : model_(model),
      train_data_(train_data),
      eval_batches_(std::move(eval_batches)),
      mlm_weight_(mlm_weight),
      sso_weight_(sso_weight),
      fused_(fused_mixer) {
  PONET_CHECK(mlm_weight >= 0 && sso_weight >= 0 && mlm_weight + sso_weight > 0,
              "pretraining: the MLM and SSO loss weights must be >= 0 and not both 0, got ", mlm_weight, " and ",
              sso_weight);
}

StepResult PretrainingTask::train_step(Rng& data_rng) {
  data::Batch batch = train_data_.next_batch(data_rng);
  nn::ForwardOptions fo;
  fo.fused_mixer = fused_;
  fo.logits_for_labels_only = true;
  nn::PoNetOutputs out = model_.forward(to_inputs(batch), fo);
  StepResult r;
  // with both weights 1 this is out.loss exactly (scaling by 1 is exact in float)
  r.objective = add(scale(out.mlm_loss, mlm_weight_), scale(out.sso_loss, sso_weight_));
  r.loss = out.loss.item();
  r.tokens = batch.num_tokens;
  r.accuracies = {{"mlm_accuracy", argmax_accuracy(out.prediction_logits.detach(), scored_labels(batch))},
                  {"sso_accuracy", argmax_accuracy(out.seq_relationship_logits.detach(), batch.next_sentence_label)}};
  return r;
}

EvalResult PretrainingTask::evaluate_pretraining() {
  NoGrad no_grad;
  const bool was_training = model_.training();
  model_.eval();
  EvalResult r;
  Accuracy mlm, sso;
  double loss = 0, mlm_loss = 0, sso_loss = 0;
  for (const data::Batch& b : eval_batches_) {
    nn::ForwardOptions fo;
    fo.fused_mixer = fused_;
    fo.logits_for_labels_only = true;
    nn::PoNetOutputs out = model_.forward(to_inputs(b), fo);
    mlm.add(argmax_accuracy(out.prediction_logits, scored_labels(b)));
    sso.add(argmax_accuracy(out.seq_relationship_logits, b.next_sentence_label));
    loss += out.loss.item();
    mlm_loss += out.mlm_loss.item();
    sso_loss += out.sso_loss.item();
  }
  const double n = std::max<size_t>(1, eval_batches_.size());
  r.loss = loss / n;
  r.mlm_loss = mlm_loss / n;
  r.sso_loss = sso_loss / n;
  r.mlm_accuracy = mlm.value();
  r.sso_accuracy = sso.value();
  r.mlm_count = mlm.total;
  r.sso_count = sso.total;
  model_.train(was_training);
  return r;
}

Metrics PretrainingTask::evaluate() {
  EvalResult e = evaluate_pretraining();
  return {{"loss", e.loss},
          {"mlm_loss", e.mlm_loss},
          {"sso_loss", e.sso_loss},
          {"mlm_accuracy", e.mlm_accuracy},
          {"sso_accuracy", e.sso_accuracy},
          {"mlm_count", static_cast<double>(e.mlm_count)},
          {"sso_count", static_cast<double>(e.sso_count)}};
}

std::string PretrainingTask::describe(const Metrics& m) const {
  char buf[256];
  std::snprintf(buf, sizeof buf, "loss %.4f | MLM acc %.1f%% (%lld tokens) | SSO acc %.1f%% (%lld pairs)",
                metric(m, "loss"), 100 * metric(m, "mlm_accuracy"), static_cast<long long>(metric(m, "mlm_count")),
                100 * metric(m, "sso_accuracy"), static_cast<long long>(metric(m, "sso_count")));
  return buf;
}

}  // namespace ponet::train
