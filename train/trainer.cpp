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
#include "dist/agreement.h"
#include "io/atomic_file.h"
#include "io/crc32.h"
#include "io/json_text.h"
#include "train/checkpoint.h"
#include "train/grad_clip.h"
#include "train/metrics.h"
#include "train/plot_svg.h"
#include "train/schedule.h"

namespace ponet::train {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

// While one exists, SIGINT and SIGTERM only ask the loop to stop (g_stop), so that it can save a
// checkpoint first; the previous handlers come back when run() returns, or throws.
class StopSignals {
 public:
  StopSignals() {
    g_stop = false;
    previous_int_ = std::signal(SIGINT, on_signal);
    previous_term_ = std::signal(SIGTERM, on_signal);
  }
  ~StopSignals() {
    std::signal(SIGINT, previous_int_);
    std::signal(SIGTERM, previous_term_);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  void (*previous_int_)(int) = SIG_DFL;
  void (*previous_term_)(int) = SIG_DFL;
};

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

// "mlm_accuracy" -> "mlm acc", "macro_f1" -> "macro f1": the progress line's labels.
std::string display_name(const std::string& name) {
  std::string out = name;
  const std::string suffix = "_accuracy";
  if (out.size() > suffix.size() && out.compare(out.size() - suffix.size(), suffix.size(), suffix) == 0)
    out = out.substr(0, out.size() - suffix.size()) + " acc";
  for (char& c : out)
    if (c == '_') c = ' ';
  return out;
}

// The steps since the last progress line, which that line averages.
struct Window {
  Clock::time_point start = Clock::now();
  dist::CommStats comm_at_start;  // the communicator's counters when the window began
  int64_t tokens = 0, steps = 0;
  double loss = 0;
  std::vector<std::pair<std::string, Accuracy>> accuracies;

  void add(const StepResult& r) {
    if (accuracies.size() < r.accuracies.size()) accuracies.resize(r.accuracies.size());
    for (size_t i = 0; i < r.accuracies.size(); ++i) {
      accuracies[i].first = r.accuracies[i].first;
      accuracies[i].second.add(r.accuracies[i].second);
    }
    loss += r.loss;
    tokens += r.tokens;
    ++steps;
  }
};

}  // namespace

struct Trainer::RunState {
  bool tty = false;                     // progress lines rewrite one terminal line
  Clock::time_point start = Clock::now();
  double elapsed = 0;                   // seconds from start to the end of the latest step
  Window window;
  TrainSummary summary;
};

Trainer::Trainer(Task& task, TrainerOptions options, uint64_t seed)
    : task_(task),
      options_(std::move(options)),
      comm_(dist::world()),
      optimizer_(task.model().named_parameters(),
                 AdamWOptions{options_.lr, kAdamBeta1, 0.999f, options_.adam_eps, options_.weight_decay}),
      data_rng_(seed) {
  check_options(options_);
  PONET_CHECK(options_.bucket_floats > 0, "trainer: the all-reduce bucket must hold at least one float");
  if (comm_.size() > 1) {
    task_.set_shard(Shard{comm_.rank(), comm_.size()});
    check_ranks_agree(seed);
  }
}

// The trainer's part of the start-up check (the CLI adds the arguments, files and binary): the options,
// the seed and the initial weights, which differ when the model config or its init differ.
void Trainer::check_ranks_agree(uint64_t seed) {
  const TrainerOptions& o = options_;
  char opts[512];
  std::snprintf(opts, sizeof opts,
                "steps %lld, warmup %lld, lr %.9g, schedule %s, wd %.9g, clip %.9g, eps %.9g, seed %llu",
                static_cast<long long>(o.steps), static_cast<long long>(o.warmup_steps), o.lr,
                schedule_name(o.schedule).c_str(), o.weight_decay, o.max_grad_norm, o.adam_eps,
                static_cast<unsigned long long>(seed));
  uint32_t crc = 0;
  int64_t count = 0;
  for (auto& [name, p] : task_.model().named_parameters()) {
    const Tensor host = p.to(Device::cpu()).contiguous();
    crc = io::crc32(name.data(), name.size(), crc);
    crc = io::crc32(host.data<float>(), static_cast<size_t>(host.numel()) * sizeof(float), crc);
    count += host.numel();
  }
  char weights[96];
  std::snprintf(weights, sizeof weights, "%lld parameters, crc32 %08x", static_cast<long long>(count),
                static_cast<unsigned>(crc));
  dist::check_agreement(comm_, {{"trainer options", opts},
                                {"model config", task_.model().config_json()},
                                {"initial weights", weights}});
}

void check_options(const TrainerOptions& o) {
  PONET_CHECK(o.steps > 0, "trainer: steps must be positive, got ", o.steps);
  PONET_CHECK(o.warmup_steps >= 0 && o.warmup_steps <= o.steps, "trainer: warmup steps must be in [0, steps = ",
              o.steps, "], got ", o.warmup_steps);
  PONET_CHECK(std::isfinite(o.lr) && std::isfinite(o.max_grad_norm) && std::isfinite(o.weight_decay) &&
                  std::isfinite(o.adam_eps) && o.adam_eps > 0,
              "trainer: lr, clip, weight decay and the Adam eps must be finite (eps > 0), got lr ", o.lr, ", clip ",
              o.max_grad_norm, ", weight decay ", o.weight_decay, ", eps ", o.adam_eps);
  PONET_CHECK(o.lr > 0 && o.weight_decay >= 0 && o.max_grad_norm >= 0,
              "trainer: lr must be positive, clip and weight decay >= 0 (clip 0: no clipping), got lr ", o.lr,
              ", clip ", o.max_grad_norm, ", weight decay ", o.weight_decay);
  PONET_CHECK(o.schedule == Schedule::linear || (o.steps > 1 && o.warmup_steps < o.steps), "trainer: the ",
              schedule_name(o.schedule), " schedule needs at least 2 steps and warmup below steps, got steps ",
              o.steps, ", warmup ", o.warmup_steps);
  PONET_CHECK(o.log_every > 0 && o.eval_every > 0 && o.checkpoint_every > 0,
              "trainer: log_every, eval_every and checkpoint_every must be positive");
  PONET_CHECK(!o.out_dir.empty(), "trainer: out_dir is required");
}

std::string Trainer::checkpoint_path() const { return options_.out_dir + "/checkpoint.safetensors"; }
std::string Trainer::best_path() const { return options_.out_dir + "/best.safetensors"; }
std::string Trainer::log_path() const { return options_.out_dir + "/log.jsonl"; }

TrainSummary Trainer::run() {
  const StopSignals signals;  // until run() returns, SIGINT / SIGTERM end the loop through should_stop
  if (step_ == 0 && lead()) start_log();
  RunState run;
  run.tty = ::isatty(STDERR_FILENO) && prints();
  run.window.comm_at_start = comm_.stats();
  task_.model().train();
  while (step_ < options_.steps) {
    const StepStats stats = train_step(run);
    const Stop stop = vote(should_stop(run));
    // the last step and a stop log, evaluate and save too, so that every run ends on a checkpoint
    const bool end = step_ == options_.steps || stop != Stop::no;
    if (end || due(options_.log_every)) log_progress(run, stats);
    if (end || due(options_.eval_every)) evaluate_and_keep_best(run);
    if ((end || due(options_.checkpoint_every)) && lead()) write_checkpoint();
    if (stop != Stop::no) {
      record_stop(run, stop);
      break;
    }
  }
  run.summary.seconds = seconds_since(run.start);
  run.summary.best = best_;
  run.summary.best_step = best_step_;
  if (lead()) write_chart();
  // the files rank 0 wrote (best.safetensors, the checkpoint) exist on return on every rank, which the
  // commands read back after training
  if (comm_.size() > 1) comm_.barrier();
  return run.summary;
}

// Records left by an earlier run in this directory that died before its first checkpoint cannot be
// resumed and must not be mixed into this one.
void Trainer::start_log() { io::write_file_atomically(log_path(), ""); }

Trainer::StepStats Trainer::train_step(RunState& run) {
  StepResult r = task_.train_step(data_rng_);
  sum_step_result(r);  // the same global figures on every rank, so every rank takes the same branch below
  PONET_CHECK(std::isfinite(r.loss), "trainer: loss became ", r.loss, " at step ", step_ + 1,
              " (try a lower --lr or check the data)");
  r.objective.backward();
  all_reduce_gradients();
  StepStats stats;
  const std::vector<Tensor> params = task_.model().parameters();
  stats.grad_norm = options_.max_grad_norm > 0 ? clip_grad_norm(params, options_.max_grad_norm) : grad_norm(params);
  const OneCycle at = scheduled(options_.schedule, step_, options_.warmup_steps, options_.steps, options_.lr,
                                kAdamBeta1);
  stats.lr = at.lr;
  stats.beta1 = at.beta1;
  optimizer_.set_beta1(at.beta1);
  optimizer_.step(stats.lr);
  optimizer_.zero_grad();
  ++step_;
  run.summary.losses.push_back(r.loss);
  ++run.summary.steps_done;
  run.window.add(r);
  run.elapsed = seconds_since(run.start);
  return stats;
}

// Each rank's share of the loss, tokens and accuracy counts, summed: the global batch's figures. Counts
// are exact in float (< 2^24); the loss is a sum of N terms.
void Trainer::sum_step_result(StepResult& r) {
  if (comm_.size() == 1) return;
  std::vector<float> v = {static_cast<float>(r.loss), static_cast<float>(r.tokens)};
  for (auto& [name, acc] : r.accuracies) {
    v.push_back(static_cast<float>(acc.correct));
    v.push_back(static_cast<float>(acc.total));
  }
  comm_.all_reduce_sum(v.data(), static_cast<int64_t>(v.size()), Device::cpu());
  r.loss = v[0];
  r.tokens = static_cast<int64_t>(v[1]);
  for (size_t i = 0; i < r.accuracies.size(); ++i) {
    r.accuracies[i].second.correct = static_cast<int64_t>(v[2 + 2 * i]);
    r.accuracies[i].second.total = static_cast<int64_t>(v[3 + 2 * i]);
  }
}

// Sums every gradient over the ranks. CPU gradients are packed into buckets of bucket_floats in parameter
// order (fewer, larger messages); a gradient larger than a bucket goes on its own, in place. CUDA
// gradients go one by one through NCCL. Every rank walks the same parameters in the same order, so the
// collectives line up; a gradient no backward reached stays undefined on every rank alike (the graph is
// the same on every rank).
void Trainer::all_reduce_gradients() {
  if (comm_.size() == 1) return;
  std::vector<Tensor> pending;  // gradients whose values sit in bucket_, in order
  auto flush = [&] {
    if (pending.empty()) return;
    comm_.all_reduce_sum(bucket_.data(), static_cast<int64_t>(bucket_.size()), Device::cpu());
    size_t at = 0;
    for (const Tensor& g : pending) {
      std::copy(bucket_.begin() + at, bucket_.begin() + at + g.numel(), g.data<float>());
      at += static_cast<size_t>(g.numel());
    }
    pending.clear();
    bucket_.clear();
  };
  for (const Tensor& p : task_.model().parameters()) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (!g.is_contiguous()) {
      g = g.contiguous();
      p.set_grad(g);
    }
    if (g.device().is_cuda()) {
      comm_.all_reduce_sum(g.data<float>(), g.numel(), g.device());
      continue;
    }
    if (g.numel() >= options_.bucket_floats) {
      flush();
      comm_.all_reduce_sum(g.data<float>(), g.numel(), Device::cpu());
      continue;
    }
    if (static_cast<int64_t>(bucket_.size()) + g.numel() > options_.bucket_floats) flush();
    bucket_.insert(bucket_.end(), g.data<float>(), g.data<float>() + g.numel());
    pending.push_back(g);
  }
  flush();
}

Trainer::Stop Trainer::vote(Stop mine) {
  if (comm_.size() == 1) return mine;
  return static_cast<Stop>(comm_.all_reduce_max(static_cast<int64_t>(mine)));
}

// Read once per step, so a signal arriving mid-step leads to one consistent stop (log, eval, save).
Trainer::Stop Trainer::should_stop(const RunState& run) const {
  if (g_stop) return Stop::interrupted;
  const bool out_of_time = options_.time_limit_minutes > 0 && run.elapsed >= options_.time_limit_minutes * 60;
  const bool out_of_steps = options_.stop_after > 0 && run.summary.steps_done >= options_.stop_after;
  return out_of_time || out_of_steps ? Stop::limit : Stop::no;
}

void Trainer::log_progress(RunState& run, const StepStats& stats) {
  const Window& w = run.window;
  const double dt = seconds_since(w.start);
  const double tok_s = dt > 0 ? w.tokens / dt : 0;
  const int64_t done = run.summary.steps_done;
  const double eta = done > 0 ? run.elapsed / done * (options_.steps - step_) : 0;
  const double loss = w.loss / w.steps;
  nlohmann::json rec = {{"kind", "train"}, {"step", step_}, {"loss", loss}};
  std::string shown;
  for (auto& [name, acc] : w.accuracies) {
    rec[name] = acc.value();
    char part[64];
    std::snprintf(part, sizeof part, " | %s %5.1f%%", display_name(name).c_str(), 100 * acc.value());
    shown += part;
  }
  rec["lr"] = io::json_float(stats.lr);
  if (options_.schedule != Schedule::linear) rec["beta1"] = io::json_float(stats.beta1);
  rec["grad_norm"] = stats.grad_norm;
  rec["tokens_per_s"] = tok_s;
  rec["elapsed_s"] = run.elapsed;
  std::string comm_part;
  if (comm_.size() > 1) {  // time and payload in collectives over the window, per step
    const dist::CommStats& now = comm_.stats();
    const double comm_s = now.seconds - w.comm_at_start.seconds;
    rec["ranks"] = comm_.size();
    rec["comm_s_per_step"] = comm_s / w.steps;
    rec["comm_bytes_per_step"] = (now.bytes_sent - w.comm_at_start.bytes_sent) / w.steps;
    char part[48];
    std::snprintf(part, sizeof part, " | %d ranks, comm %.0f%%", comm_.size(), dt > 0 ? 100 * comm_s / dt : 0.0);
    comm_part = part;
  }
  if (lead()) io::append_line(log_path(), io::json_text(rec));
  if (prints()) {
    std::fprintf(stderr, "%sstep %6lld/%lld %s loss %.4f%s | %6.0f tok/s%s | ETA %s%s", run.tty ? "\r" : "",
                 static_cast<long long>(step_), static_cast<long long>(options_.steps),
                 progress_bar(step_, options_.steps).c_str(), loss, shown.c_str(), tok_s, comm_part.c_str(),
                 format_duration(eta).c_str(), run.tty ? "   " : "\n");
    std::fflush(stderr);
  }
  run.window = Window{};
  run.window.comm_at_start = comm_.stats();
}

void Trainer::evaluate_and_keep_best(RunState& run) {
  const Metrics e = evaluate();
  nlohmann::json rec = {{"kind", "eval"}, {"step", step_}};
  for (auto& [name, value] : e) rec[name] = value;
  rec["elapsed_s"] = run.elapsed;
  if (lead()) io::append_line(log_path(), io::json_text(rec));
  if (prints())
    std::fprintf(stderr, "%s  eval @ %lld: %s\n", run.tty ? "\n" : "", static_cast<long long>(step_),
                 task_.describe(e).c_str());
  run.summary.final_eval = e;
  if (!options_.best_metric.empty() && metric(e, options_.best_metric) > best_) {
    best_ = metric(e, options_.best_metric);
    best_step_ = step_;
    if (lead()) save_checkpoint(best_path(), task_.model(), nullptr, CheckpointState{step_, "", "", {}});
  }
}

void Trainer::write_checkpoint() {
  CheckpointState state;
  state.step = step_;
  state.data_rng = data_rng_.state_str();
  state.dropout_rng = task_.model().dropout_rng().state_str();
  const std::string sampler = task_.sampler_state();
  if (!sampler.empty()) state.extra["sampler"] = sampler;
  if (!options_.best_metric.empty()) {
    char best[32];
    std::snprintf(best, sizeof best, "%.17g", best_);  // round-trips exactly
    state.extra["best"] = best;
    state.extra["best_step"] = std::to_string(best_step_);
  }
  save_checkpoint(checkpoint_path(), task_.model(), &optimizer_, state);
}

void Trainer::record_stop(RunState& run, Stop why) {
  run.summary.interrupted = why == Stop::interrupted;
  run.summary.stopped_early = why == Stop::limit;
  if (prints())
    std::fprintf(stderr, "%sstopped at step %lld (%s); resume with --resume\n", run.tty ? "\n" : "",
                 static_cast<long long>(step_), why == Stop::interrupted ? "interrupted" : "time or step limit");
}

void Trainer::resume(const std::string& path) {
  CheckpointState state = load_checkpoint(path, task_.model(), &optimizer_);
  step_ = state.step;
  data_rng_.set_state_str(state.data_rng);
  task_.model().dropout_rng().set_state_str(state.dropout_rng);
  const auto sampler = state.extra.find("sampler");
  task_.set_sampler_state(sampler == state.extra.end() ? "" : sampler->second);
  auto best = state.extra.find("best");
  if (best != state.extra.end()) {
    best_ = std::stod(best->second);
    best_step_ = std::stoll(state.extra.at("best_step"));
  }
  // Every rank loads the same checkpoint (a directory shared by the ranks, docs/distributed.md); rank 0
  // alone trims the log. Drop log records past the checkpoint: they belong to the steps about to be re-run.
  if (!lead()) return;
  std::ifstream in(log_path());
  std::ostringstream kept;
  std::string line;
  while (std::getline(in, line)) {
    try {
      if (nlohmann::json::parse(line).value("step", int64_t{0}) <= step_) kept << line << '\n';
    } catch (const std::exception&) {  // a torn last line from a kill: drop it
    }
  }
  in.close();
  io::write_file_atomically(log_path(), kept.str());  // a new file renamed over the log: a kill keeps one of the two
}

Metrics Trainer::evaluate() {
  NoGrad no_grad;
  nn::Model& model = task_.model();
  const bool was_training = model.training();
  model.eval();
  Metrics m = task_.evaluate();
  model.train(was_training);
  return m;
}

void Trainer::write_chart() const {
  static const char* kColors[] = {"#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"};
  Series train_loss{"train loss", "#1f77b4", {}, {}}, eval_loss{"held-out loss", "#d62728", {}, {}};
  std::vector<Series> metrics;
  for (const std::string& name : task_.chart_metrics())
    metrics.push_back({"held-out " + display_name(name), kColors[metrics.size() % 5], {}, {}});
  std::ifstream in(log_path());
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const std::exception&) {
      continue;
    }
    const double step = j.value("step", 0.0);
    const std::string kind = j.value("kind", "");
    if (kind == "train") {
      train_loss.x.push_back(step);
      train_loss.y.push_back(j.value("loss", 0.0));
    } else if (kind == "eval") {
      eval_loss.x.push_back(step);
      eval_loss.y.push_back(j.value("loss", 0.0));
      const std::vector<std::string> names = task_.chart_metrics();
      for (size_t i = 0; i < names.size(); ++i) {
        metrics[i].x.push_back(step);
        metrics[i].y.push_back(j.value(names[i], 0.0));
      }
    }
  }
  write_svg_chart(options_.out_dir + "/curves.svg",
                  {{task_.loss_title(), "cross-entropy", {train_loss, eval_loss}}, {"held-out metrics", "", metrics}},
                  "step");
}

}  // namespace ponet::train
