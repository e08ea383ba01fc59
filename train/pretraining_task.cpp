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
struct ObjectiveInfo {
  Objective objective;
  const char* name;
  data::SentencePairs pairs;
  int64_t labels;      // seq_relationship outputs; 0: no sentence loss
  const char* metric;  // prefix of the sentence metrics
  const char* title;   // of the sentence task in messages
};

constexpr ObjectiveInfo kObjectives[] = {
    {Objective::mlm_sso, "mlm+sso", data::SentencePairs::sso, 3, "sso", "SSO"},
    {Objective::mlm_nsp, "mlm+nsp", data::SentencePairs::nsp, 2, "nsp", "NSP"},
    {Objective::mlm, "mlm", data::SentencePairs::in_order, 0, "", ""},
};

const ObjectiveInfo& info(Objective o) {
  for (const ObjectiveInfo& i : kObjectives)
    if (i.objective == o) return i;
  fail("pretraining: unknown objective ", static_cast<int>(o));
}

std::string metric_name(Objective o, const char* what) { return std::string(info(o).metric) + "_" + what; }
}  // namespace

Objective parse_objective(const std::string& name) {
  std::string known;
  for (const ObjectiveInfo& i : kObjectives) {
    if (name == i.name) return i.objective;
    known += std::string(known.empty() ? "" : ", ") + i.name;
  }
  fail("unknown pretraining objective '", name, "' (known: ", known, ")");
}

std::string objective_name(Objective o) { return info(o).name; }
data::SentencePairs sentence_pairs(Objective o) { return info(o).pairs; }
int64_t sentence_labels(Objective o) { return info(o).labels; }
std::string sentence_metric(Objective o) { return info(o).metric; }
std::string sentence_title(Objective o) { return info(o).title; }

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
                      train_data.options().batch_size, std::move(eval_batches), mlm_weight, sso_weight, fused_mixer) {
  // The objective whose pairs the data builds (set_objective may only confirm it), checked against the head.
  data_pairs_ = train_data.options().pairs;
  for (const ObjectiveInfo& o : kObjectives)
    if (o.pairs == *data_pairs_) objective_ = o.objective;
  set_objective(objective_);
}

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

void PretrainingTask::set_objective(Objective objective) {
  const ObjectiveInfo& o = info(objective);
  const int64_t head = model_.config().num_sso_labels;
  PONET_CHECK(o.labels == 0 || head == o.labels, "pretraining: objective ", o.name, " needs a seq_relationship head of ",
              o.labels, " outputs (num_sso_labels ", o.labels, "), the model has ", head);
  PONET_CHECK(!data_pairs_ || *data_pairs_ == o.pairs, "pretraining: objective ", o.name,
              " needs the training data to build its own sentence pairs (data::PretrainingOptions::pairs)");
  PONET_CHECK(o.labels > 0 || mlm_weight_ > 0, "pretraining: objective ", o.name, " has only the MLM loss, whose weight is 0");
  objective_ = objective;
}

std::vector<std::string> PretrainingTask::chart_metrics() const {
  if (sentence_labels(objective_) == 0) return {"mlm_accuracy"};
  return {"mlm_accuracy", metric_name(objective_, "accuracy")};
}

std::string PretrainingTask::loss_title() const {
  const ObjectiveInfo& o = info(objective_);
  return o.labels > 0 ? std::string("loss (MLM + ") + o.title + ")" : "loss (MLM)";
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
  fo.precision = precision_;
  fo.dropout_rows = shard_.dropout_rows(B);  // this rank's rows of the global masks
  const nn::PoNetOutputs out = model_.forward(to_inputs(batch), fo);
  StepResult r;
  r.figures.tokens = batch.num_tokens;
  r.figures.accuracies = {{"mlm_accuracy", argmax_accuracy(out.prediction_logits.detach(), scored_labels(batch))}};
  const Tensor mlm = scale(out.mlm_loss, static_cast<float>(mlm_weight_ * mlm_share));
  if (sentence_labels(objective_) == 0) {  // MLM alone: the head's logits and loss take no part
    r.objective = mlm;
    r.figures.loss = sharded ? out.mlm_loss.item() * mlm_share : out.mlm_loss.item();
    return r;
  }
  // The objective. With both weights 1 and one rank it is MLM + SSO (or NSP) exactly (scaling by 1 is exact).
  r.objective = add(mlm, scale(out.sso_loss, static_cast<float>(sso_weight_ * sso_share)));
  // The reported loss, MLM + SSO (or NSP): with one rank their float sum, as HF's model reports it.
  r.figures.loss = sharded ? out.mlm_loss.item() * mlm_share + out.sso_loss.item() * sso_share
                           : out.mlm_loss.item() + out.sso_loss.item();
  r.figures.accuracies.push_back({metric_name(objective_, "accuracy"),
                                  argmax_accuracy(out.seq_relationship_logits.detach(), batch.next_sentence_label)});
  return r;
}

EvalResult PretrainingTask::evaluate_pretraining() {
  NoGrad no_grad;
  const bool was_training = model_.training();
  model_.eval();
  EvalResult r;
  Accuracy mlm, sentence;
  double loss = 0, mlm_loss = 0, sentence_loss = 0;
  const bool has_sentence = sentence_labels(objective_) > 0;
  for (const data::Batch& b : eval_batches_) {
    nn::ForwardOptions fo;
    fo.fused_mixer = fused_;
    fo.logits_for_labels_only = true;
    fo.precision = precision_;
    nn::PoNetOutputs out = model_.forward(to_inputs(b), fo);
    mlm.add(argmax_accuracy(out.prediction_logits, scored_labels(b)));
    const float mlm_mean = out.mlm_loss.item();
    mlm_loss += mlm_mean;
    if (!has_sentence) {
      loss += mlm_mean;
      continue;
    }
    sentence.add(argmax_accuracy(out.seq_relationship_logits, b.next_sentence_label));
    const float sentence_mean = out.sso_loss.item();
    loss += mlm_mean + sentence_mean;  // the reported loss, as in training
    sentence_loss += sentence_mean;
  }
  const double n = std::max<size_t>(1, eval_batches_.size());
  r.loss = loss / n;
  r.mlm_loss = mlm_loss / n;
  r.sentence_loss = sentence_loss / n;
  r.mlm_accuracy = mlm.value();
  r.sentence_accuracy = has_sentence ? sentence.value() : 0.0;
  r.mlm_count = mlm.total;
  r.sentence_count = sentence.total;
  model_.train(was_training);
  return r;
}

Metrics PretrainingTask::evaluate() {
  EvalResult e = evaluate_pretraining();
  if (sentence_labels(objective_) == 0)
    return {{"loss", e.loss},
            {"mlm_loss", e.mlm_loss},
            {"mlm_accuracy", e.mlm_accuracy},
            {"mlm_count", static_cast<double>(e.mlm_count)}};
  return {{"loss", e.loss},
          {"mlm_loss", e.mlm_loss},
          {metric_name(objective_, "loss"), e.sentence_loss},
          {"mlm_accuracy", e.mlm_accuracy},
          {metric_name(objective_, "accuracy"), e.sentence_accuracy},
          {"mlm_count", static_cast<double>(e.mlm_count)},
          {metric_name(objective_, "count"), static_cast<double>(e.sentence_count)}};
}

std::string PretrainingTask::describe(const Metrics& m) const {
  char buf[256];
  int n = std::snprintf(buf, sizeof buf, "loss %.4f | MLM acc %.1f%% (%lld tokens)", metric(m, "loss"),
                        100 * metric(m, "mlm_accuracy"), static_cast<long long>(metric(m, "mlm_count")));
  const ObjectiveInfo& o = info(objective_);
  if (o.labels > 0 && n > 0 && n < static_cast<int>(sizeof buf))
    std::snprintf(buf + n, sizeof buf - n, " | %s acc %.1f%% (%lld pairs)", o.title,
                  100 * metric(m, metric_name(objective_, "accuracy")),
                  static_cast<long long>(metric(m, metric_name(objective_, "count"))));
  return buf;
}

}  // namespace ponet::train
