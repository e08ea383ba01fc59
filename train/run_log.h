// What a training run shows and keeps of itself: on the console a progress line (rewritten in place on
// a terminal), an evaluation line and a stop line; in out_dir/log.jsonl one JSON record per progress
// line ("kind": "train") and per evaluation ("kind": "eval"); and curves.svg, the chart of that log.
// Only the writer rank (train/data_parallel.h) writes files, and prints unless quiet.
#pragma once
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "dist/communicator.h"
#include "train/step.h"
#include "train/task.h"

namespace ponet::train {

class RunLog {
 public:
  // comm: its counters give the progress record's communication figures when the job has several ranks.
  RunLog(const std::string& out_dir, const Task& task, const dist::Communicator& comm, bool writer, bool quiet);

  std::string path() const { return out_dir_ + "/log.jsonl"; }
  // A fresh run (step 0) starts an empty log: records left by an earlier run that died before its first
  // checkpoint cannot be resumed and must not be mixed into this one.
  void start_fresh();
  // A resumed run drops the records past its checkpoint's step: they belong to the steps about to be re-run.
  void keep_up_to(int64_t step);

  void begin_window();  // a run() call starts the first progress window: its clock and counters
  void add(const BatchFigures& batch);  // one step into the window the next progress record averages
  // The progress record and line for the window that ends at `step` of `total_steps`, with the latest
  // step's own figures; elapsed: seconds since the run started, steps_done: steps run since then.
  void progress(int64_t step, int64_t total_steps, const StepStats& latest, bool with_beta1, double elapsed,
                int64_t steps_done);
  void evaluation(int64_t step, const Metrics& metrics, double elapsed);
  void stopped(int64_t step, bool interrupted);
  void write_chart() const;  // curves.svg from log.jsonl

 private:
  using Clock = std::chrono::steady_clock;
  // The steps since the last progress line, which that line averages.
  struct Window {
    Clock::time_point start = Clock::now();
    dist::CommStats comm_at_start;  // the communicator's counters when the window began
    int64_t tokens = 0, steps = 0;
    double loss = 0;
    std::vector<std::pair<std::string, Accuracy>> accuracies;
  };

  std::string out_dir_;
  const Task& task_;
  const dist::Communicator& comm_;
  bool writes_, prints_;
  bool tty_;  // progress lines rewrite one terminal line
  Window window_;
};

}  // namespace ponet::train
