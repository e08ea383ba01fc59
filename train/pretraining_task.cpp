#include "train/pretraining_task.h"

#include <cstdio>

#include "autograd/dropout_rows.h"
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

void PretrainingTask::set_shard(const Shard& shard) {
  const int64_t B = train_data_.options().batch_size;
  PONET_CHECK(shard.size >= 1 && B % shard.size == 0, "pretraining: the batch size ", B,
              " (the global batch) must divide by the number of ranks ", shard.size);
  shard_ = shard;
}

StepResult PretrainingTask::train_step(Rng& data_rng) {
  // Every rank draws the whole global batch (same Rng, same masking for any number of ranks) and keeps
  // its rows; with one rank the batch is used as drawn, exactly as before sharding existed.
  const data::Batch global = train_data_.next_batch(data_rng);
  const int64_t B = global.input_ids.size(0);
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
  nn::PoNetOutputs out;
  {
    const DropoutRows rows(sharded ? shard_.begin(B) : 0, B);  // this rank's rows of the global masks
    out = model_.forward(to_inputs(batch), fo);
  }
  StepResult r;
  // with both weights 1 and one rank this is out.loss exactly (scaling by 1 is exact in float)
  r.objective = add(scale(out.mlm_loss, static_cast<float>(mlm_weight_ * mlm_share)),
                    scale(out.sso_loss, static_cast<float>(sso_weight_ * sso_share)));
  r.loss = sharded ? out.mlm_loss.item() * mlm_share + out.sso_loss.item() * sso_share : out.loss.item();
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
