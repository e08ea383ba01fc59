#include "train/classification_task.h"

#include <algorithm>
#include <cstdio>

#include "autograd/ops.h"
#include "core/error.h"

namespace ponet::train {

namespace {

// Checks one split against the model; `split` names it in messages.
void check_examples(const std::vector<data::ClassificationExample>& examples, const nn::SequenceClassifier& model,
                    const char* split) {
  PONET_CHECK(!examples.empty(), "classification: the ", split, " set is empty");
  for (size_t i = 0; i < examples.size(); ++i) {
    const data::ClassificationExample& e = examples[i];
    PONET_CHECK(!e.ids.empty(), "classification: ", split, " example ", i, " has no tokens");
    PONET_CHECK(static_cast<int64_t>(e.ids.size()) <= model.max_length(), "classification: ", split, " example ", i,
                " has ", e.ids.size(), " tokens, the model's positions allow ", model.max_length());
    PONET_CHECK(e.label >= 0 && e.label < model.num_classes(), "classification: ", split, " example ", i,
                " has label ", e.label, ", expected [0, ", model.num_classes(), ")");
    PONET_CHECK(e.segments.empty() || e.segments.size() == e.ids.size(), "classification: ", split, " example ", i,
                " has ", e.segments.size(), " segment ids for ", e.ids.size(), " tokens");
  }
}

}  // namespace

ClassificationBatch make_classification_batch(const std::vector<data::ClassificationExample>& examples,
                                              const std::vector<size_t>& indices, int64_t pad_id, int64_t pad_to) {
  int64_t L = pad_to;
  if (L == 0)
    for (size_t i : indices) L = std::max<int64_t>(L, static_cast<int64_t>(examples[i].ids.size()));
  const int64_t B = static_cast<int64_t>(indices.size());
  std::vector<int64_t> ids(B * L, pad_id), mask(B * L, 0), labels(B), segments;
  const bool with_segments = B > 0 && !examples[indices[0]].segments.empty();
  if (with_segments) segments.assign(B * L, 0);
  ClassificationBatch batch;
  for (int64_t b = 0; b < B; ++b) {
    const data::ClassificationExample& e = examples[indices[b]];
    const int64_t n = static_cast<int64_t>(e.ids.size());
    PONET_CHECK(n <= L, "classification: example ", indices[b], " has ", n, " tokens, more than the padded length ", L);
    std::copy(e.ids.begin(), e.ids.end(), ids.begin() + b * L);
    std::fill(mask.begin() + b * L, mask.begin() + b * L + n, 1);
    if (with_segments) {
      PONET_CHECK(e.segments.size() == e.ids.size(), "classification: example ", indices[b],
                  " has no segment ids while others in its batch do");
      std::copy(e.segments.begin(), e.segments.end(), segments.begin() + b * L);
      // padding is one more segment after the last, as in the official data pipeline
      std::fill(segments.begin() + b * L + n, segments.begin() + (b + 1) * L, e.segments.back() + 1);
    }
    labels[b] = e.label;
    batch.num_tokens += n;
  }
  batch.input_ids = Tensor::from_vector_i64(ids, {B, L});
  batch.attention_mask = Tensor::from_vector_i64(mask, {B, L});
  batch.labels = Tensor::from_vector_i64(labels, {B});
  if (with_segments) batch.segment_ids = Tensor::from_vector_i64(segments, {B, L});
  return batch;
}

ClassificationTask::ClassificationTask(nn::SequenceClassifier& model, std::vector<data::ClassificationExample> train,
                                       std::vector<data::ClassificationExample> eval, ClassificationOptions options)
    : model_(model), train_(std::move(train)), eval_(std::move(eval)), options_(options) {
  PONET_CHECK(options_.batch_size > 0, "classification: batch size must be positive, got ", options_.batch_size);
  PONET_CHECK(options_.pad_to >= 0 && options_.pad_to <= model.max_length(), "classification: pad length ",
              options_.pad_to, " must be in [0, ", model.max_length(), "]");
  PONET_CHECK(model.num_classes() >= 2, "classification: the model has ", model.num_classes(),
              " output(s); classification needs at least 2 classes");
  check_examples(train_, model, "training");
  check_examples(eval_, model, "held-out");
  draw_.emplace(train_.size(), options_.epochs);
}

void ClassificationTask::set_sampler_state(const std::string& state) { draw_->set_state(state, "classification"); }

void ClassificationTask::set_shard(const Shard& shard) {
  check_batch_divides(shard, options_.batch_size, "classification");
  shard_ = shard;
}

StepResult ClassificationTask::forward_next_batch(Rng& data_rng) {
  // The whole global batch is drawn on every rank (same Rng), then each keeps its rows: padded to the
  // global batch's longest example, so every rank's rows are exactly rows of the one-process batch.
  const int64_t B = options_.batch_size;
  const std::vector<size_t> picked = draw_->next_batch(B, data_rng);
  ClassificationBatch b = make_classification_batch(train_, picked, model_.pad_id(), options_.pad_to);
  const bool sharded = shard_.size > 1;
  double share = 1;  // this rank's share of the global mean loss
  if (sharded) {
    const int64_t begin = shard_.begin(B), end = shard_.end(B);
    auto rows = [&](const Tensor& t) { return t.defined() ? t.slice(0, begin, end).contiguous() : t; };
    b.input_ids = rows(b.input_ids);
    b.attention_mask = rows(b.attention_mask);
    b.labels = rows(b.labels);
    b.segment_ids = rows(b.segment_ids);
    b.num_tokens = 0;
    for (int64_t v : b.attention_mask.to_vector_i64()) b.num_tokens += v != 0;
    share = static_cast<double>(end - begin) / static_cast<double>(B);
  }
  nn::ForwardOptions fo;
  fo.fused_mixer = options_.fused;
  fo.precision = options_.precision;
  fo.dropout_rows = shard_.dropout_rows(B);  // this rank's rows of the global masks
  const nn::ClassifierResult out = model_.classify(b.input_ids, b.attention_mask, b.segment_ids, b.labels, fo);
  StepResult r;
  r.objective = sharded ? scale(out.loss, static_cast<float>(share)) : out.loss;  // the mean cross-entropy
  r.figures.loss = out.loss.item() * share;
  r.figures.tokens = b.num_tokens;
  r.figures.accuracies = {{"accuracy", argmax_accuracy(out.logits.detach(), b.labels)}};
  return r;
}

Metrics ClassificationTask::evaluate_on(const std::vector<data::ClassificationExample>& examples) {
  if (&examples != &eval_) check_examples(examples, model_, "evaluation");
  std::vector<int64_t> predicted, gold;
  double loss_sum = 0;
  for (size_t start = 0; start < examples.size(); start += options_.batch_size) {
    std::vector<size_t> idx;
    for (size_t i = start; i < std::min(examples.size(), start + options_.batch_size); ++i) idx.push_back(i);
    ClassificationBatch b = make_classification_batch(examples, idx, model_.pad_id(), options_.pad_to);
    nn::ForwardOptions fo;
    fo.fused_mixer = options_.fused;
    fo.precision = options_.precision;
    nn::ClassifierResult out = model_.classify(b.input_ids, b.attention_mask, b.segment_ids, b.labels, fo);
    loss_sum += out.loss.item() * static_cast<double>(idx.size());
    std::vector<int64_t> p = argmax_rows(out.logits), g = b.labels.to_vector_i64();
    predicted.insert(predicted.end(), p.begin(), p.end());
    gold.insert(gold.end(), g.begin(), g.end());
  }
  Accuracy acc;
  for (size_t i = 0; i < gold.size(); ++i) acc.add({predicted[i] == gold[i] ? 1 : 0, 1});
  return {{"loss", loss_sum / static_cast<double>(gold.size())},
          {"accuracy", acc.value()},
          {"macro_f1", macro_f1(predicted, gold, model_.num_classes())},
          // one label per example: every error is one false positive and one false negative, so the
          // micro-averaged F1 is exactly the accuracy (reported for comparison with papers that list it)
          {"micro_f1", acc.value()},
          {"examples", static_cast<double>(gold.size())}};
}

std::string ClassificationTask::describe(const Metrics& m) const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "loss %.4f | accuracy %.1f%% | macro-F1 %.1f%% (%lld examples)", metric(m, "loss"),
                100 * metric(m, "accuracy"), 100 * metric(m, "macro_f1"),
                static_cast<long long>(metric(m, "examples")));
  return buf;
}

}  // namespace ponet::train
