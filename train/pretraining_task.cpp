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

int64_t count_scored(const Tensor& labels) {
  int64_t n = 0;
  for (int64_t v : labels.to_vector_i64()) n += v != -100;
  return n;
}

// Rows [begin, end) of a global batch, as a batch of its own (contiguous copies).
data::Batch rows_of(const data::Batch& b, int64_t begin, int64_t end) {
  auto rows = [&](const Tensor& t) { return t.defined() ? t.slice(0, begin, end).contiguous() : t; };
  data::Batch out;
  out.input_ids = rows(b.input_ids);
  out.attention_mask = rows(b.attention_mask);
  out.token_type_ids = rows(b.token_type_ids);
  out.segment_ids = rows(b.segment_ids);
  out.labels = rows(b.labels);
  out.next_sentence_label = rows(b.next_sentence_label);
  for (int64_t v : out.attention_mask.to_vector_i64()) out.num_tokens += v != 0;
  return out;
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
                                 std::vector<data::Batch> eval_batches, float mlm_weight, float sso_weight,
                                 bool fused_mixer)
    : PretrainingTask(model, [&train_data](Rng& rng) { return train_data.next_batch(rng); },
                      train_data.options().batch_size, std::move(eval_batches), mlm_weight, sso_weight, fused_mixer) {}

PretrainingTask::PretrainingTask(nn::PoNetForPreTraining& model, BatchSource next_batch, int64_t batch_size,
                                 std::vector<data::Batch> eval_batches, float mlm_weight, float sso_weight,
                                 bool fused_mixer)
    : model_(model),
      next_batch_(std::move(next_batch)),
      batch_size_(batch_size),
      eval_batches_(std::move(eval_batches)),
      mlm_weight_(mlm_weight),
      sso_weight_(sso_weight),
      fused_(fused_mixer) {
  PONET_CHECK(next_batch_ && batch_size > 0, "pretraining: needs a batch source and a positive batch size, got ",
              batch_size);
  PONET_CHECK(mlm_weight >= 0 && sso_weight >= 0 && mlm_weight + sso_weight > 0,
              "pretraining: the MLM and SSO loss weights must be >= 0 and not both 0, got ", mlm_weight, " and ",
              sso_weight);
}

void PretrainingTask::set_shard(const Shard& shard) {
  PONET_CHECK(shard.size >= 1 && batch_size_ % shard.size == 0, "pretraining: the batch size ", batch_size_,
              " (the global batch) must divide by the number of ranks ", shard.size);
  shard_ = shard;
}

StepResult PretrainingTask::forward_next_batch(Rng& data_rng) {
  // Every rank draws the whole global batch (same Rng, same masking for any number of ranks) and keeps
  // its rows; with one rank the batch is used as drawn.
  const data::Batch global = next_batch_(data_rng);
  const int64_t B = global.input_ids.size(0);
  PONET_CHECK(B == batch_size_, "pretraining: the batch source gave ", B, " rows, expected ", batch_size_);
  const bool sharded = shard_.size > 1;
  const data::Batch batch = sharded ? rows_of(global, shard_.begin(B), shard_.end(B)) : global;
  // This rank's share of the global mean losses: its own mean times its share of the count.
  double mlm_share = 1, sso_share = 1;
  if (sharded) {
    const int64_t scored = count_scored(global.labels);
    PONET_CHECK(scored > 0, "pretraining: a global batch has no masked token to score");
    mlm_share = static_cast<double>(count_scored(batch.labels)) / static_cast<double>(scored);
    sso_share = static_cast<double>(batch.input_ids.size(0)) / static_cast<double>(B);
    PONET_CHECK(mlm_share > 0, "pretraining: rank ", shard_.rank, " drew no masked token in its ",
                batch.input_ids.size(0), " rows of the global batch; use a larger --batch-size per rank");
  }
  nn::ForwardOptions fo;
  fo.fused_mixer = fused_;
  fo.logits_for_labels_only = true;
  fo.recompute = recompute_;
  fo.dropout_rows = shard_.dropout_rows(B);  // this rank's rows of the global masks
  const nn::PoNetOutputs out = model_.forward(to_inputs(batch), fo);
  StepResult r;
  // The objective. With both weights 1 and one rank it is MLM + SSO exactly (scaling by 1 is exact).
  r.objective = add(scale(out.mlm_loss, static_cast<float>(mlm_weight_ * mlm_share)),
                    scale(out.sso_loss, static_cast<float>(sso_weight_ * sso_share)));
  // The reported loss, MLM + SSO: with one rank their float sum, as HF's model reports it.
  r.figures.loss = sharded ? out.mlm_loss.item() * mlm_share + out.sso_loss.item() * sso_share
                           : out.mlm_loss.item() + out.sso_loss.item();
  r.figures.tokens = batch.num_tokens;
  r.figures.accuracies = {
      {"mlm_accuracy", argmax_accuracy(out.prediction_logits.detach(), scored_labels(batch))},
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
    const float mlm_mean = out.mlm_loss.item(), sso_mean = out.sso_loss.item();
    loss += mlm_mean + sso_mean;  // the reported loss, as in training
    mlm_loss += mlm_mean;
    sso_loss += sso_mean;
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
