// The training loop, for any Task (train/task.h): train/step.h's step (forward and backward of the
// task's objective, optional gradient clipping, AdamW with a learning-rate schedule) over and over, with
// periodic held-out evaluation, the run's log (train/run_log.h: progress line, log.jsonl, curves.svg) and
// atomic checkpoints of the model (with its config) from which --resume continues exactly. Ctrl-C /
// SIGTERM stop with a checkpoint.
//
// Data-parallel under mpirun (train/data_parallel.h): N ranks train the one-process model. The writer
// rank alone prints, logs, charts and writes checkpoints (the same file for any N, so a run resumes on
// any number of ranks); every rank evaluates the whole held-out set (identical figures, no
// communication); the ranks vote every step on stopping, so they stop together.
#pragma once
#include <string>
#include <vector>

#include "train/data_parallel.h"
#include "train/optimizer.h"
#include "train/run_log.h"
#include "train/schedule.h"
#include "train/step.h"
#include "train/task.h"

namespace ponet::train {

struct TrainerOptions {
  std::string out_dir;           // log.jsonl, curves.svg, checkpoint.safetensors go here
  int64_t steps = 3000;          // total optimizer steps
  int64_t warmup_steps = 150;
  float lr = 1e-3f;
  float weight_decay = 0.01f;
  float max_grad_norm = 1.0f;    // clip the global gradient norm at this; 0: never clip (the norm is still logged)
  Schedule schedule = Schedule::linear;  // lr (and, for one_cycle*, Adam's beta1) against the step
  float adam_eps = 1e-8f;
  int64_t log_every = 10;         // progress line + JSONL record
  int64_t eval_every = 250;
  int64_t checkpoint_every = 250;
  double time_limit_minutes = 0;  // > 0: stop (with a checkpoint) once this much time has passed
  int64_t stop_after = 0;         // > 0: stop (with a checkpoint) after this many steps in this call
  // Non-empty: after every evaluation whose value of this held-out metric beats the best so far (higher
  // is better), the model is also written to best.safetensors (model only, atomically).
  std::string best_metric;
  bool quiet = false;
  // Data-parallel: floats per gradient bucket of the all-reduce (the buckets follow parameter order).
  int64_t bucket_floats = int64_t{1} << 20;
};

struct TrainSummary {
  int64_t steps_done = 0;
  double seconds = 0;
  Metrics final_eval;
  double best = 0;       // best value of TrainerOptions::best_metric (when set)
  int64_t best_step = 0;
  bool interrupted = false;   // stopped by SIGINT/SIGTERM (a checkpoint was written)
  bool stopped_early = false;  // stopped by the time or step limit (a checkpoint was written)
  std::vector<double> losses;  // training loss of every step run in this call (for resume tests)
};

class Trainer {
 public:
  Trainer(Task& task, TrainerOptions options, uint64_t seed);

  // Restores model, optimizer, step and RNG states from a checkpoint written by this trainer.
  void resume(const std::string& checkpoint_path);
  TrainSummary run();
  Metrics evaluate();  // the task's held-out metrics (eval mode, no grad)
  std::string checkpoint_path() const;
  std::string best_path() const;

 private:
  struct RunState;  // one run() call: its clock and the summary (trainer.cpp)
  static constexpr float kAdamBeta1 = 0.9f;  // beta1 of the schedules that do not cycle it
  enum class Stop { no = 0, limit = 1, interrupted = 2 };  // ordered: the ranks' vote takes the maximum

  // The steps of run(), in the order it calls them.
  Stop should_stop(const RunState& run) const;  // a signal, the time limit or the step limit
  Stop vote(Stop mine);                         // the same decision on every rank
  void evaluate_and_keep_best(RunState& run);   // held-out metrics, logged; best.safetensors
  void write_checkpoint();                      // checkpoint.safetensors, with the best so far
  void record_stop(RunState& run, Stop why);    // the summary's reason, and a line saying so

  bool due(int64_t every) const { return step_ % every == 0; }

  Task& task_;
  TrainerOptions options_;
  StepConfig step_config_;  // the step's share of options_
  DataParallel ranks_;
  RunLog log_;
  AdamW optimizer_;
  Rng data_rng_;
  int64_t step_ = 0;
  double best_ = -1e300;    // best value of options_.best_metric so far (kept in checkpoints)
  int64_t best_step_ = 0;
};

// Throws a clear error for options the trainer cannot run with (the Trainer checks them too; the CLI
// calls this before its slower setup).
void check_options(const TrainerOptions& options);

}  // namespace ponet::train
