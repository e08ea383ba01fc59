#include "train/lra_masked_lm_task.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "autograd/ops.h"
#include "core/error.h"

namespace ponet::train {

namespace {

constexpr int64_t kIgnoreIndex = -100;

// BERT's split of a selected token: 80 % the mask id, 10 % a random real id, 10 % unchanged.
int64_t replacement(int64_t original, const LraMasking& m, Rng& rng) {
  const float u = rng.uniform();
  if (u < 0.8f) return m.mask_id;
  if (u < 0.9f) return rng.randint(1, m.vocab_size);
  return original;
}

void check_sequences(const std::vector<std::vector<int64_t>>& sequences, const LraMaskedLMOptions& o, const char* split) {
  PONET_CHECK(!sequences.empty(), "self-pretraining: the ", split, " set is empty");
  for (size_t i = 0; i < sequences.size(); ++i) {
    const std::vector<int64_t>& s = sequences[i];
    PONET_CHECK(!s.empty() && static_cast<int64_t>(s.size()) <= o.pad_to, "self-pretraining: ", split, " sequence ", i,
                " has ", s.size(), " tokens, expected 1 to the padded length ", o.pad_to);
    int64_t real = 0;
    for (int64_t id : s) {
      PONET_CHECK(id >= 0 && id < o.masking.vocab_size, "self-pretraining: ", split, " sequence ", i, " holds id ", id,
                  ", expected [0, ", o.masking.vocab_size, ")");
      real += id != 0;
    }
    PONET_CHECK(real > 0, "self-pretraining: ", split, " sequence ", i, " is all padding (id 0)");
  }
}

int64_t count_scored(const Tensor& labels) {
  int64_t n = 0;
  for (int64_t v : labels.to_vector_i64()) n += v != kIgnoreIndex;
  return n;
}

}  // namespace

MaskedBatch mask_sequences(const std::vector<std::vector<int64_t>>& sequences, const std::vector<size_t>& indices,
                           int64_t pad_to, const LraMasking& m, Rng& rng) {
  const int64_t B = static_cast<int64_t>(indices.size()), L = pad_to;
  std::vector<int64_t> ids(B * L, 0), labels(B * L, kIgnoreIndex);
  MaskedBatch batch;
  for (int64_t b = 0; b < B; ++b) {
    const std::vector<int64_t>& s = sequences[indices[b]];
    PONET_CHECK(static_cast<int64_t>(s.size()) <= L, "self-pretraining: sequence ", indices[b], " has ", s.size(),
                " tokens, more than the padded length ", L);
    int64_t* row = ids.data() + b * L;
    int64_t* row_labels = labels.data() + b * L;
    std::copy(s.begin(), s.end(), row);
    std::vector<int64_t> real;  // positions of the real tokens: only those are ever selected
    bool selected = false;
    for (int64_t l = 0; l < static_cast<int64_t>(s.size()); ++l) {
      if (s[l] == 0) continue;
      real.push_back(l);
      if (rng.uniform() >= m.mask_prob) continue;
      row_labels[l] = s[l];
      row[l] = replacement(s[l], m, rng);
      selected = true;
    }
    if (!selected && !real.empty()) {  // every row is scored
      const int64_t l = real[rng.randint(0, static_cast<int64_t>(real.size()))];
      row_labels[l] = s[l];
      row[l] = replacement(s[l], m, rng);
    }
    batch.num_tokens += static_cast<int64_t>(real.size());
  }
  batch.input_ids = Tensor::from_vector_i64(ids, {B, L});
  batch.labels = Tensor::from_vector_i64(labels, {B, L});
  return batch;
}

std::vector<std::vector<int64_t>> token_sequences(const std::vector<data::ClassificationExample>& examples) {
  std::vector<std::vector<int64_t>> out;
  out.reserve(examples.size());
  for (const auto& e : examples) out.push_back(e.ids);
  return out;
}

LraMaskedLMTask::LraMaskedLMTask(nn::LraForMaskedLM& model, std::vector<std::vector<int64_t>> train,
                                 std::vector<std::vector<int64_t>> eval, LraMaskedLMOptions options)
    : model_(model), train_(std::move(train)), eval_(std::move(eval)), options_(options) {
  const nn::LraConfig& c = model.config();
  const LraMasking& m = options_.masking;
  PONET_CHECK(options_.batch_size > 0, "self-pretraining: batch size must be positive, got ", options_.batch_size);
  PONET_CHECK(options_.pad_to > 0 && options_.pad_to <= c.max_seq_len, "self-pretraining: pad length ",
              options_.pad_to, " must be in [1, ", c.max_seq_len, "]");
  PONET_CHECK(std::isfinite(m.mask_prob) && m.mask_prob > 0 && m.mask_prob <= 1,
              "self-pretraining: the mask probability must be in (0, 1], got ", m.mask_prob);
  PONET_CHECK(m.vocab_size >= 2, "self-pretraining: the task's vocabulary needs a real id besides padding 0, got ",
              m.vocab_size, " ids");
  PONET_CHECK(m.mask_id >= m.vocab_size && m.mask_id < c.vocab_size, "self-pretraining: the mask id ", m.mask_id,
              " must be outside the task's ids [0, ", m.vocab_size, ") and inside the model's vocabulary of ",
              c.vocab_size);
  check_sequences(train_, options_, "training");
  check_sequences(eval_, options_, "held-out");
  draw_.emplace(train_.size(), options_.epochs);
}

void LraMaskedLMTask::set_sampler_state(const std::string& state) { draw_->set_state(state, "self-pretraining"); }

void LraMaskedLMTask::set_shard(const Shard& shard) {
  check_batch_divides(shard, options_.batch_size, "self-pretraining");
  shard_ = shard;
}

StepResult LraMaskedLMTask::forward_next_batch(Rng& data_rng) {
  // Every rank draws and masks the whole global batch (same Rng), then keeps its rows.
  const int64_t B = options_.batch_size;
  const std::vector<size_t> picked = draw_->next_batch(B, data_rng);
  MaskedBatch b = mask_sequences(train_, picked, options_.pad_to, options_.masking, data_rng);
  const bool sharded = shard_.size > 1;
  double share = 1;  // this rank's share of the global mean: its scored positions over the batch's
  if (sharded) {
    const int64_t global_scored = count_scored(b.labels);
    const int64_t begin = shard_.begin(B), end = shard_.end(B);
    b.input_ids = b.input_ids.slice(0, begin, end).contiguous();
    b.labels = b.labels.slice(0, begin, end).contiguous();
    b.num_tokens = 0;
    for (int64_t v : b.input_ids.to_vector_i64()) b.num_tokens += v != 0;
    share = static_cast<double>(count_scored(b.labels)) / static_cast<double>(global_scored);
  }
  nn::ForwardOptions fo;
  fo.fused_mixer = options_.fused;
  fo.precision = options_.precision;
  fo.dropout_rows = shard_.dropout_rows(B);  // this rank's rows of the global masks
  const nn::LraMaskedLMOutputs out = model_.forward(b.input_ids, b.labels, fo);
  StepResult r;
  r.objective = sharded ? scale(out.loss, static_cast<float>(share)) : out.loss;
  r.figures.loss = out.loss.item() * share;
  r.figures.tokens = b.num_tokens;
  r.figures.accuracies = {{"accuracy", argmax_accuracy(out.logits.detach(), out.targets)}};
  return r;
}

Metrics LraMaskedLMTask::evaluate() {
  Rng rng(options_.eval_seed);  // the same masks at every evaluation
  Accuracy acc;
  double loss_sum = 0;
  for (size_t start = 0; start < eval_.size(); start += options_.batch_size) {
    std::vector<size_t> idx;
    for (size_t i = start; i < std::min(eval_.size(), start + options_.batch_size); ++i) idx.push_back(i);
    const MaskedBatch b = mask_sequences(eval_, idx, options_.pad_to, options_.masking, rng);
    nn::ForwardOptions fo;
    fo.fused_mixer = options_.fused;
    fo.precision = options_.precision;
    const nn::LraMaskedLMOutputs out = model_.forward(b.input_ids, b.labels, fo);
    const Accuracy batch = argmax_accuracy(out.logits, out.targets);
    loss_sum += static_cast<double>(out.loss.item()) * static_cast<double>(batch.total);
    acc.add(batch);
  }
  return {{"loss", loss_sum / static_cast<double>(acc.total)},
          {"accuracy", acc.value()},
          {"masked_tokens", static_cast<double>(acc.total)}};
}

std::string LraMaskedLMTask::describe(const Metrics& m) const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "loss %.4f | MLM accuracy %.1f%% (%lld masked tokens)", metric(m, "loss"),
                100 * metric(m, "accuracy"), static_cast<long long>(metric(m, "masked_tokens")));
  return buf;
}

}  // namespace ponet::train
