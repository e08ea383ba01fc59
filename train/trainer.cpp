#include "train/trainer.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>

#include "autograd/grad_mode.h"
#include "core/error.h"
#include "train/checkpoint.h"

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

const TrainerOptions& checked(const TrainerOptions& o) {
  check_options(o);
  return o;
}

// What every rank of a data-parallel job must agree on besides the model (train/data_parallel.h).
std::string settings_text(const TrainerOptions& o, uint64_t seed) {
  char text[512];
  std::snprintf(text, sizeof text,
                "steps %lld, warmup %lld, lr %.9g, schedule %s, wd %.9g, clip %.9g, eps %.9g, seed %llu",
                static_cast<long long>(o.steps), static_cast<long long>(o.warmup_steps), o.lr,
                schedule_name(o.schedule).c_str(), o.weight_decay, o.max_grad_norm, o.adam_eps,
                static_cast<unsigned long long>(seed));
  return text;
}

}  // namespace

struct Trainer::RunState {
  Clock::time_point start = Clock::now();
  double elapsed = 0;  // seconds from start to the end of the latest step
  TrainSummary summary;
};

Trainer::Trainer(Task& task, TrainerOptions options, uint64_t seed)
    : task_(task),
      options_(checked(options)),
      step_config_{options_.lr,    options_.schedule,      options_.warmup_steps,
                   options_.steps, options_.max_grad_norm, kAdamBeta1},
      ranks_(dist::world(), task, settings_text(options_, seed), options_.bucket_floats),
      log_(options_.out_dir, task, ranks_.communicator(), ranks_.is_writer_rank(), options_.quiet),
      optimizer_(task.model().named_parameters(),
                 AdamWOptions{options_.lr, kAdamBeta1, 0.999f, options_.adam_eps, options_.weight_decay}),
      data_rng_(seed) {}

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
  PONET_CHECK(!cycles_beta1(o.schedule) || (o.steps > 1 && o.warmup_steps < o.steps), "trainer: the ",
              schedule_name(o.schedule), " schedule needs at least 2 steps and warmup below steps, got steps ",
              o.steps, ", warmup ", o.warmup_steps);
  PONET_CHECK(o.log_every > 0 && o.eval_every > 0 && o.checkpoint_every > 0,
              "trainer: log_every, eval_every and checkpoint_every must be positive");
  PONET_CHECK(!o.out_dir.empty(), "trainer: out_dir is required");
}

std::string Trainer::checkpoint_path() const { return options_.out_dir + "/checkpoint.safetensors"; }
std::string Trainer::best_path() const { return options_.out_dir + "/best.safetensors"; }

TrainSummary Trainer::run() {
  const StopSignals signals;  // until run() returns, SIGINT / SIGTERM end the loop through should_stop
  if (step_ == 0) log_.start_fresh();
  RunState run;
  log_.begin_window();
  task_.model().train();
  while (step_ < options_.steps) {
    const StepStats stats = train_step(task_, optimizer_, step_config_, step_, data_rng_, &ranks_);
    ++step_;
    ++run.summary.steps_done;
    run.summary.losses.push_back(stats.batch.loss);
    run.elapsed = seconds_since(run.start);
    log_.add(stats.batch);
    const Stop stop = vote(should_stop(run));
    // the last step and a stop log, evaluate and save too, so that every run ends on a checkpoint
    const bool end = step_ == options_.steps || stop != Stop::no;
    if (end || due(options_.log_every))
      log_.progress(step_, options_.steps, stats, cycles_beta1(options_.schedule), run.elapsed,
                    run.summary.steps_done);
    if (end || due(options_.eval_every)) evaluate_and_keep_best(run);
    if ((end || due(options_.checkpoint_every)) && ranks_.is_writer_rank()) write_checkpoint();
    if (stop != Stop::no) {
      record_stop(run, stop);
      break;
    }
  }
  // a run resumed with no step left (already finished) still reports where it stands
  if (run.summary.final_eval.empty() && !g_stop) run.summary.final_eval = evaluate();
  run.summary.seconds = seconds_since(run.start);
  run.summary.best = best_;
  run.summary.best_step = best_step_;
  log_.write_chart();
  // the files the writer rank wrote (best.safetensors, the checkpoint) exist on return on every rank,
  // which the commands read back after training
  ranks_.barrier();
  return run.summary;
}

Trainer::Stop Trainer::vote(Stop mine) { return static_cast<Stop>(ranks_.max_over_ranks(static_cast<int64_t>(mine))); }

// Read once per step, so a signal arriving mid-step leads to one consistent stop (log, eval, save).
Trainer::Stop Trainer::should_stop(const RunState& run) const {
  if (g_stop) return Stop::interrupted;
  const bool out_of_time = options_.time_limit_minutes > 0 && run.elapsed >= options_.time_limit_minutes * 60;
  const bool out_of_steps = options_.stop_after > 0 && run.summary.steps_done >= options_.stop_after;
  return out_of_time || out_of_steps ? Stop::limit : Stop::no;
}

void Trainer::evaluate_and_keep_best(RunState& run) {
  const Metrics e = evaluate();
  log_.evaluation(step_, e, run.elapsed);
  run.summary.final_eval = e;
  if (!options_.best_metric.empty() && metric(e, options_.best_metric) > best_) {
    best_ = metric(e, options_.best_metric);
    best_step_ = step_;
    if (ranks_.is_writer_rank())
      save_checkpoint(best_path(), task_.model(), nullptr, CheckpointState{step_, "", "", {}});
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
  log_.stopped(step_, why == Stop::interrupted);
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
  log_.keep_up_to(step_);
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

}  // namespace ponet::train
