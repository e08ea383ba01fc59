#include "train/run_log.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/atomic_file.h"
#include "io/json_text.h"
#include "train/plot_svg.h"

namespace ponet::train {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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

}  // namespace

RunLog::RunLog(const std::string& out_dir, const Task& task, const dist::Communicator& comm, bool writer, bool quiet)
    : out_dir_(out_dir),
      task_(task),
      comm_(comm),
      writes_(writer),
      prints_(writer && !quiet),
      tty_(prints_ && ::isatty(STDERR_FILENO)) {}

void RunLog::start_fresh() {
  if (writes_) io::write_file_atomically(path(), "");
}

void RunLog::keep_up_to(int64_t step) {
  // Every rank loads the same checkpoint (a directory shared by the ranks, docs/distributed.md); the
  // writer alone trims the log.
  if (!writes_) return;
  std::ifstream in(path());
  std::ostringstream kept;
  std::string line;
  while (std::getline(in, line)) {
    try {
      if (nlohmann::json::parse(line).value("step", int64_t{0}) <= step) kept << line << '\n';
    } catch (const std::exception&) {  // a torn last line from a kill: drop it
    }
  }
  in.close();
  io::write_file_atomically(path(), kept.str());  // a new file renamed over the log: a kill keeps one of the two
}

void RunLog::begin_window() {
  window_ = Window{};
  window_.comm_at_start = comm_.stats();
}

void RunLog::add(const BatchFigures& b) {
  Window& w = window_;
  if (w.accuracies.size() < b.accuracies.size()) w.accuracies.resize(b.accuracies.size());
  for (size_t i = 0; i < b.accuracies.size(); ++i) {
    w.accuracies[i].first = b.accuracies[i].first;
    w.accuracies[i].second.add(b.accuracies[i].second);
  }
  w.loss += b.loss;
  w.tokens += b.tokens;
  ++w.steps;
}

void RunLog::progress(int64_t step, int64_t total_steps, const StepStats& latest, bool with_beta1, double elapsed,
                      int64_t steps_done) {
  const Window& w = window_;
  const double dt = seconds_since(w.start);
  const double tok_s = dt > 0 ? w.tokens / dt : 0;
  const double eta = steps_done > 0 ? elapsed / steps_done * (total_steps - step) : 0;
  const double loss = w.loss / w.steps;
  nlohmann::json rec = {{"kind", "train"}, {"step", step}, {"loss", loss}};
  std::string shown;
  for (auto& [name, acc] : w.accuracies) {
    rec[name] = acc.value();
    char part[64];
    std::snprintf(part, sizeof part, " | %s %5.1f%%", display_name(name).c_str(), 100 * acc.value());
    shown += part;
  }
  rec["lr"] = io::json_float(latest.lr);
  if (with_beta1) rec["beta1"] = io::json_float(latest.beta1);
  rec["grad_norm"] = latest.grad_norm;
  rec["tokens_per_s"] = tok_s;
  rec["elapsed_s"] = elapsed;
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
  if (writes_) io::append_line(path(), io::json_text(rec));
  if (prints_) {
    std::fprintf(stderr, "%sstep %6lld/%lld %s loss %.4f%s | %6.0f tok/s%s | ETA %s%s", tty_ ? "\r" : "",
                 static_cast<long long>(step), static_cast<long long>(total_steps),
                 progress_bar(step, total_steps).c_str(), loss, shown.c_str(), tok_s, comm_part.c_str(),
                 format_duration(eta).c_str(), tty_ ? "   " : "\n");
    std::fflush(stderr);
  }
  begin_window();
}

void RunLog::evaluation(int64_t step, const Metrics& metrics, double elapsed) {
  nlohmann::json rec = {{"kind", "eval"}, {"step", step}};
  for (auto& [name, value] : metrics) rec[name] = value;
  rec["elapsed_s"] = elapsed;
  if (writes_) io::append_line(path(), io::json_text(rec));
  if (prints_)
    std::fprintf(stderr, "%s  eval @ %lld: %s\n", tty_ ? "\n" : "", static_cast<long long>(step),
                 task_.describe(metrics).c_str());
}

void RunLog::stopped(int64_t step, bool interrupted) {
  if (prints_)
    std::fprintf(stderr, "%sstopped at step %lld (%s); resume with --resume\n", tty_ ? "\n" : "",
                 static_cast<long long>(step), interrupted ? "interrupted" : "time or step limit");
}

void RunLog::write_chart() const {
  if (!writes_) return;
  static const char* kColors[] = {"#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"};
  Series train_loss{"train loss", "#1f77b4", {}, {}}, eval_loss{"held-out loss", "#d62728", {}, {}};
  const std::vector<std::string> names = task_.chart_metrics();
  std::vector<Series> metrics;
  for (const std::string& name : names)
    metrics.push_back({"held-out " + display_name(name), kColors[metrics.size() % 5], {}, {}});
  std::ifstream in(path());
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
      for (size_t i = 0; i < names.size(); ++i) {
        metrics[i].x.push_back(step);
        metrics[i].y.push_back(j.value(names[i], 0.0));
      }
    }
  }
  write_svg_chart(out_dir_ + "/curves.svg",
                  {{task_.loss_title(), "cross-entropy", {train_loss, eval_loss}}, {"held-out metrics", "", metrics}},
                  "step");
}

}  // namespace ponet::train
