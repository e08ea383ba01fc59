#include "train/causal_lm_task.h"

#include <cmath>
#include <cstdio>

#include "autograd/grad_mode.h"
#include "core/error.h"

namespace ponet::train {

namespace {
nn::PoNetInputs to_inputs(const data::LmBatch& b) {
  nn::PoNetInputs in;
  in.input_ids = b.input_ids;
  in.labels = b.labels;
  return in;
}
}  // namespace

CausalLMTask::CausalLMTask(nn::PoNetForCausalLM& model, const data::LmData& train_data,
                           std::vector<data::LmBatch> eval_batches, Precision precision)
    : model_(model), train_data_(train_data), eval_batches_(std::move(eval_batches)), precision_(precision) {
  PONET_CHECK(train_data.max_len() <= model.config().max_position_embeddings, "language model: windows of ",
              train_data.max_len(), " tokens exceed max_position_embeddings ", model.config().max_position_embeddings);
}

void CausalLMTask::set_shard(const Shard& shard) {
  const int64_t B = train_data_.batch_size();
  PONET_CHECK(shard.size >= 1 && B % shard.size == 0, "language model: the batch size ", B,
              " (the global batch) must divide by the number of ranks ", shard.size);
  shard_ = shard;
}

StepResult CausalLMTask::forward_next_batch(Rng& data_rng) {
  // every rank draws the whole global batch and keeps its rows; every position is scored, so a rank's
  // share of the global mean is its row share
  data::LmBatch batch = train_data_.next_batch(data_rng);
  const int64_t B = batch.input_ids.size(0), L = batch.input_ids.size(1);
  const int64_t begin = shard_.begin(B), end = shard_.end(B);
  const double share = static_cast<double>(end - begin) / static_cast<double>(B);
  if (shard_.size > 1) {
    batch.input_ids = batch.input_ids.slice(0, begin, end).contiguous();
    batch.labels = batch.labels.slice(0, begin, end).contiguous();
    batch.num_tokens = (end - begin) * L;
  }
  nn::ForwardOptions fo;
  fo.dropout_rows = shard_.dropout_rows(B);
  fo.precision = precision_;
  const nn::CausalLMOutputs out = model_.forward(to_inputs(batch), fo);
  StepResult r;
  r.objective = shard_.size > 1 ? scale(out.loss, static_cast<float>(share)) : out.loss;
  r.figures.loss = out.loss.item() * share;
  r.figures.tokens = batch.num_tokens;
  const int64_t V = model_.config().vocab_size;
  r.figures.accuracies = {
      {"accuracy", argmax_accuracy(out.logits.detach().reshape({(end - begin) * L, V}), batch.labels.reshape({(end - begin) * L}))}};
  return r;
}

Metrics CausalLMTask::evaluate() {
  NoGrad no_grad;
  const bool was_training = model_.training();
  model_.eval();
  double loss = 0;
  Accuracy accuracy;
  const int64_t V = model_.config().vocab_size;
  nn::ForwardOptions fo;
  fo.precision = precision_;
  for (const data::LmBatch& b : eval_batches_) {
    const nn::CausalLMOutputs out = model_.forward(to_inputs(b), fo);
    loss += out.loss.item();
    const int64_t n = b.input_ids.numel();
    accuracy.add(argmax_accuracy(out.logits.reshape({n, V}), b.labels.reshape({n})));
  }
  model_.train(was_training);
  const double mean = loss / static_cast<double>(std::max<size_t>(1, eval_batches_.size()));
  return {{"loss", mean},
          {"perplexity", std::exp(mean)},
          {"accuracy", accuracy.value()},
          {"count", static_cast<double>(accuracy.total)}};
}

std::string CausalLMTask::describe(const Metrics& m) const {
  char buf[200];
  std::snprintf(buf, sizeof buf, "loss %.4f | perplexity %.2f | next-token acc %.1f%% (%lld tokens)", metric(m, "loss"),
                metric(m, "perplexity"), 100 * metric(m, "accuracy"), static_cast<long long>(metric(m, "count")));
  return buf;
}

}  // namespace ponet::train
