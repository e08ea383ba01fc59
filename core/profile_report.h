// The table `ponet profile` prints: the profiler's rows (core/profiler.h) per step, with achieved GB/s
// and GFLOP/s against the machine's measured limits, and a last row "other" (the step's wall time
// minus all kernel time: host work, allocation, copies outside kernels, glue), so % of step adds up to
// 100. Every figure is per step: the totals divided by the number of profiled steps.
#pragma once
#include <string>
#include <vector>

#include "core/profiler.h"

namespace ponet::profiler {

// Measured peaks of the machine; 0 means not measured (the % columns are then left out).
struct Peaks {
  double bytes_per_s = 0;
  double flops_per_s = 0;
};

struct ReportRow {
  std::string name, phase;  // phase "" for the "other" row and the node table
  double calls = 0;         // per step
  double ms = 0;            // per step
  double mean_ms = 0;       // per call
  double percent_of_step = 0;
  double mbytes = 0, gflop = 0;              // per step (10^6 bytes, 10^9 FLOPs)
  double gbytes_per_s = 0, gflop_per_s = 0;  // achieved (0 for the "other" row)
  double percent_of_bandwidth = 0, percent_of_peak_flops = 0;
};

struct Report {
  int64_t steps = 0;
  double step_ms = 0;                     // wall time per step
  double kernel_ms = 0;                   // kernel time per step
  std::vector<ReportRow> kernels;         // sorted by time, then the "other" row
  std::vector<ReportRow> backward_nodes;  // per autograd node: its whole backward closure
};

constexpr const char* kOtherRow = "other (host work, allocation, glue)";

// Throws when no step was profiled.
Report make_report(const Summary& summary, const Peaks& peaks);
// Plain-text tables, columns aligned.
std::string format_report(const Report& report, const Peaks& peaks);

}  // namespace ponet::profiler
