#include "train/trainer.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/error.h"
#include "train/checkpoint.h"
#include "train/grad_clip.h"
#include "train/metrics.h"
#include "train/plot_svg.h"
#include "train/schedule.h"

namespace ponet::train {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string format_duration(double s) {
  char buf[32];
  long t = static_cast<long>(s);
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

std::string progress_bar(int64_t done, int64_t total, int width = 24) {
  int filled = total > 0 ? static_cast<int>(width * done / total) : width;
  return "[" + std::string(filled, '=') + (filled < width ? ">" : "") +
         std::string(std::max(0, width - filled - 1), ' ') + "]";
}

void append_line(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  PONET_CHECK(out.good(), "cannot append to '", path, "'");
  out << line << '\n';
}

}  // namespace

nn::PoNetInputs to_inputs(const Batch& b) {
  nn::PoNetInputs in;
  in.input_ids = b.input_ids;
  in.attention_mask = b.attention_mask;
  in.token_type_ids = b.token_type_ids;
  in.segment_ids = b.segment_ids;
  in.labels = b.labels;
  in.next_sentence_label = b.next_sentence_label;
  return in;
}

Trainer::Trainer(nn::PoNetForPreTraining& model, PretrainingData& train_data, std::vector<Batch> eval_batches,
                 TrainerOptions options, uint64_t seed)
    : model_(model),
      train_data_(train_data),
      eval_batches_(std::move(eval_batches)),
      options_(std::move(options)),
      optimizer_(model.named_parameters(), AdamWOptions{options_.lr, 0.9f, 0.999f, 1e-8f, options_.weight_decay}),
      data_rng_(seed) {
  check_options(options_);
}

void check_options(const TrainerOptions& o) {
  PONET_CHECK(o.steps > 0, "trainer: steps must be positive, got ", o.steps);
  PONET_CHECK(o.warmup_steps >= 0 && o.warmup_steps <= o.steps, "trainer: warmup steps must be in [0, steps = ",
              o.steps, "], got ", o.warmup_steps);
  PONET_CHECK(o.lr > 0 && o.weight_decay >= 0 && o.max_grad_norm > 0,
              "trainer: lr and clip must be positive and weight decay >= 0, got lr ", o.lr, ", clip ", o.max_grad_norm,
              ", weight decay ", o.weight_decay);
  PONET_CHECK(o.log_every > 0 && o.eval_every > 0 && o.checkpoint_every > 0,
              "trainer: log_every, eval_every and checkpoint_every must be positive");
  PONET_CHECK(o.mlm_weight >= 0 && o.sso_weight >= 0 && o.mlm_weight + o.sso_weight > 0,
              "trainer: the MLM and SSO loss weights must be >= 0 and not both 0, got ", o.mlm_weight, " and ",
              o.sso_weight);
  PONET_CHECK(!o.out_dir.empty(), "trainer: out_dir is required");
}

std::string Trainer::checkpoint_path() const { return options_.out_dir + "/checkpoint.safetensors"; }

void Trainer::save(const std::string& path) {
  CheckpointState state;
  state.step = step_;
  state.data_rng = data_rng_.state_str();
  state.dropout_rng = model_.dropout_rng().state_str();
  save_checkpoint(path, model_, &optimizer_, state);
}

void Trainer::resume(const std::string& path) {
  CheckpointState state = load_checkpoint(path, model_, &optimizer_);
  step_ = state.step;
  data_rng_.set_state_str(state.data_rng);
  model_.dropout_rng().set_state_str(state.dropout_rng);
  // Drop log records past the checkpoint: they belong to the steps about to be re-run.
  const std::string log_path = options_.out_dir + "/log.jsonl";
  std::ifstream in(log_path);
  std::ostringstream kept;
  std::string line;
  while (std::getline(in, line)) {
    try {
      if (nlohmann::json::parse(line).value("step", int64_t{0}) <= step_) kept << line << '\n';
    } catch (const std::exception&) {  // a torn last line from a kill: drop it
    }
  }
  in.close();
  std::ofstream(log_path, std::ios::trunc) << kept.str();
}

EvalResult Trainer::evaluate() {
  NoGrad no_grad;
  const bool was_training = model_.training();
  model_.eval();
  EvalResult r;
  Accuracy mlm, sso;
  double loss = 0, mlm_loss = 0, sso_loss = 0;
  for (const Batch& b : eval_batches_) {
    nn::ForwardOptions fo;
    fo.fused_mixer = options_.fused_mixer;
    fo.logits_for_labels_only = true;
    nn::PoNetOutputs out = model_.forward(to_inputs(b), fo);
    std::vector<int64_t> labels;
    for (int64_t v : b.labels.to_vector_i64())
      if (v != -100) labels.push_back(v);
    mlm.add(argmax_accuracy(out.prediction_logits, Tensor::from_vector_i64(labels, {static_cast<int64_t>(labels.size())})));
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

void Trainer::write_chart() const {
  Series train_loss{"train loss", "#1f77b4", {}, {}}, eval_loss{"held-out loss", "#d62728", {}, {}};
  Series mlm{"held-out MLM acc", "#2ca02c", {}, {}}, sso{"held-out SSO acc", "#9467bd", {}, {}};
  std::ifstream in(options_.out_dir + "/log.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const std::exception&) {
      continue;
    }
    const double step = j.value("step", 0.0);
    if (j.value("kind", "") == "train") {
      train_loss.x.push_back(step);
      train_loss.y.push_back(j.value("loss", 0.0));
    } else if (j.value("kind", "") == "eval") {
      eval_loss.x.push_back(step);
      eval_loss.y.push_back(j.value("loss", 0.0));
      mlm.x.push_back(step);
      mlm.y.push_back(j.value("mlm_accuracy", 0.0));
      sso.x.push_back(step);
      sso.y.push_back(j.value("sso_accuracy", 0.0));
    }
  }
  write_svg_chart(options_.out_dir + "/curves.svg",
                  {{"loss (MLM + SSO)", "cross-entropy", {train_loss, eval_loss}},
                   {"held-out accuracy", "accuracy", {mlm, sso}}},
                  "step");
}

TrainSummary Trainer::run() {
  TrainSummary summary;
  g_stop = false;
  auto previous_int = std::signal(SIGINT, on_signal);
  auto previous_term = std::signal(SIGTERM, on_signal);
  const bool tty = ::isatty(STDERR_FILENO) && !options_.quiet;
  const std::string log_path = options_.out_dir + "/log.jsonl";
  const auto t0 = Clock::now();
  auto window_start = Clock::now();
  int64_t window_tokens = 0, window_steps = 0;
  double window_loss = 0;
  Accuracy window_mlm, window_sso;
  model_.train();

  while (step_ < options_.steps) {
    Batch batch = train_data_.next_batch(data_rng_);
    nn::ForwardOptions fo;
    fo.fused_mixer = options_.fused_mixer;
    fo.logits_for_labels_only = true;
    nn::PoNetOutputs out = model_.forward(to_inputs(batch), fo);
    // with both weights 1 this is out.loss exactly (scaling by 1 is exact in float)
    const Tensor objective = add(scale(out.mlm_loss, options_.mlm_weight), scale(out.sso_loss, options_.sso_weight));
    const float loss = out.loss.item();
    PONET_CHECK(std::isfinite(loss), "trainer: loss became ", loss, " at step ", step_ + 1,
                " (try a lower --lr or check the data)");
    objective.backward();
    const double grad_norm = clip_grad_norm(model_.parameters(), options_.max_grad_norm);
    const float lr = linear_warmup_decay(step_, options_.warmup_steps, options_.steps, options_.lr);
    optimizer_.step(lr);
    optimizer_.zero_grad();
    ++step_;
    summary.losses.push_back(loss);
    ++summary.steps_done;

    std::vector<int64_t> labels;
    for (int64_t v : batch.labels.to_vector_i64())
      if (v != -100) labels.push_back(v);
    window_mlm.add(argmax_accuracy(out.prediction_logits.detach(),
                                   Tensor::from_vector_i64(labels, {static_cast<int64_t>(labels.size())})));
    window_sso.add(argmax_accuracy(out.seq_relationship_logits.detach(), batch.next_sentence_label));
    window_loss += loss;
    window_tokens += batch.num_tokens;
    ++window_steps;

    const double elapsed = seconds_since(t0);
    const bool last = step_ == options_.steps;
    const bool out_of_time = (options_.time_limit_minutes > 0 && elapsed >= options_.time_limit_minutes * 60) ||
                             (options_.stop_after > 0 && summary.steps_done >= options_.stop_after);
    if (step_ % options_.log_every == 0 || last || out_of_time || g_stop) {
      const double dt = seconds_since(window_start);
      const double tok_s = dt > 0 ? window_tokens / dt : 0;
      const double eta = summary.steps_done > 0 ? elapsed / summary.steps_done * (options_.steps - step_) : 0;
      nlohmann::json rec = {{"kind", "train"},
                            {"step", step_},
                            {"loss", window_loss / window_steps},
                            {"mlm_accuracy", window_mlm.value()},
                            {"sso_accuracy", window_sso.value()},
                            {"lr", lr},
                            {"grad_norm", grad_norm},
                            {"tokens_per_s", tok_s},
                            {"elapsed_s", elapsed}};
      append_line(log_path, rec.dump());
      if (!options_.quiet) {
        std::fprintf(stderr, "%sstep %6lld/%lld %s loss %.4f | mlm acc %5.1f%% | sso acc %5.1f%% | %6.0f tok/s | ETA %s%s",
                     tty ? "\r" : "", static_cast<long long>(step_), static_cast<long long>(options_.steps),
                     progress_bar(step_, options_.steps).c_str(), window_loss / window_steps,
                     100 * window_mlm.value(), 100 * window_sso.value(), tok_s, format_duration(eta).c_str(),
                     tty ? "   " : "\n");
        std::fflush(stderr);
      }
      window_start = Clock::now();
      window_tokens = window_steps = 0;
      window_loss = 0;
      window_mlm = window_sso = Accuracy{};
    }
    if (step_ % options_.eval_every == 0 || last || out_of_time || g_stop) {
      EvalResult e = evaluate();
      nlohmann::json rec = {{"kind", "eval"},          {"step", step_},
                            {"loss", e.loss},          {"mlm_loss", e.mlm_loss},
                            {"sso_loss", e.sso_loss},  {"mlm_accuracy", e.mlm_accuracy},
                            {"sso_accuracy", e.sso_accuracy}, {"elapsed_s", elapsed}};
      append_line(log_path, rec.dump());
      if (!options_.quiet)
        std::fprintf(stderr, "%s  eval @ %lld: loss %.4f | MLM acc %.1f%% (%lld tokens) | SSO acc %.1f%% (%lld pairs)\n",
                     tty ? "\n" : "", static_cast<long long>(step_), e.loss, 100 * e.mlm_accuracy,
                     static_cast<long long>(e.mlm_count), 100 * e.sso_accuracy, static_cast<long long>(e.sso_count));
      summary.final_eval = e;
    }
    if (step_ % options_.checkpoint_every == 0 || last || out_of_time || g_stop) save(checkpoint_path());
    if (out_of_time || g_stop) {
      summary.interrupted = g_stop;
      summary.stopped_early = !g_stop;
      if (!options_.quiet)
        std::fprintf(stderr, "%sstopped at step %lld (%s); resume with --resume\n", tty ? "\n" : "",
                     static_cast<long long>(step_), g_stop ? "interrupted" : "time or step limit");
      break;
    }
  }
  summary.seconds = seconds_since(t0);
  write_chart();
  std::signal(SIGINT, previous_int);
  std::signal(SIGTERM, previous_term);
  return summary;
}

}  // namespace ponet::train
