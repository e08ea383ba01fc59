#include "core/profile_report.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"

namespace ponet::profiler {

namespace {

ReportRow make_row(const Record& r, double steps, double step_s, const Peaks& peaks) {
  ReportRow row;
  row.name = r.name;
  row.calls = static_cast<double>(r.calls) / steps;
  row.ms = 1e3 * r.total_s / steps;
  row.mean_ms = r.calls > 0 ? 1e3 * r.total_s / static_cast<double>(r.calls) : 0;
  row.percent_of_step = step_s > 0 ? 100 * r.total_s / step_s : 0;
  row.mbytes = 1e-6 * static_cast<double>(r.bytes) / steps;
  row.gflop = 1e-9 * static_cast<double>(r.flops) / steps;
  if (r.total_s > 0) {
    const double bytes_per_s = static_cast<double>(r.bytes) / r.total_s;
    const double flops_per_s = static_cast<double>(r.flops) / r.total_s;
    row.gbytes_per_s = 1e-9 * bytes_per_s;
    row.gflop_per_s = 1e-9 * flops_per_s;
    if (peaks.bytes_per_s > 0) row.percent_of_bandwidth = 100 * bytes_per_s / peaks.bytes_per_s;
    if (peaks.flops_per_s > 0) row.percent_of_peak_flops = 100 * flops_per_s / peaks.flops_per_s;
  }
  return row;
}

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string right(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

}  // namespace

Report make_report(const Summary& summary, const Peaks& peaks) {
  PONET_CHECK(summary.steps > 0, "profile report: no step was profiled (begin_step/end_step never ran)");
  const double steps = static_cast<double>(summary.steps);
  Report report;
  report.steps = summary.steps;
  report.step_ms = 1e3 * summary.step_s / steps;
  report.kernel_ms = 1e3 * summary.kernel_s / steps;
  for (const Record& r : summary.kernels) {
    ReportRow row = make_row(r, steps, summary.step_s, peaks);
    row.phase = phase_name(r.phase);
    report.kernels.push_back(row);
  }
  ReportRow other;
  other.name = kOtherRow;
  other.ms = report.step_ms - report.kernel_ms;
  other.percent_of_step = summary.step_s > 0 ? 100 * (summary.step_s - summary.kernel_s) / summary.step_s : 0;
  report.kernels.push_back(other);
  for (const Record& r : summary.backward_nodes)
    report.backward_nodes.push_back(make_row(r, steps, summary.step_s, peaks));
  return report;
}

std::string format_report(const Report& report, const Peaks& peaks) {
  size_t width = 6;
  for (const ReportRow& r : report.kernels) width = std::max(width, r.name.size());
  for (const ReportRow& r : report.backward_nodes) width = std::max(width, r.name.size());
  const int w = static_cast<int>(width);
  const bool bw = peaks.bytes_per_s > 0, fl = peaks.flops_per_s > 0;
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-*s %-9s %7s %9s %9s %7s %9s %8s %8s %9s%s%s\n", w, "kernel", "phase", "calls",
                "ms", "mean ms", "% step", "MB", "GFLOP", "GB/s", "GFLOP/s", bw ? "   % BW" : "",
                fl ? " % FLOP/s" : "");
  out += line;
  for (const ReportRow& r : report.kernels) {
    const bool other = r.name == kOtherRow;
    const bool has_flops = r.gflop > 0;
    auto cell = [&](bool show, const char* fmt, double v) { return show ? format(fmt, v) : std::string("-"); };
    std::snprintf(line, sizeof line, "%-*s %-9s %7s %9.2f %9s %7.1f %9s %8s %8s %9s", w, r.name.c_str(),
                  r.phase.c_str(), cell(!other, "%.0f", r.calls).c_str(), r.ms, cell(!other, "%.3f", r.mean_ms).c_str(),
                  r.percent_of_step, cell(!other, "%.1f", r.mbytes).c_str(), cell(has_flops, "%.2f", r.gflop).c_str(),
                  cell(!other, "%.1f", r.gbytes_per_s).c_str(), cell(has_flops, "%.1f", r.gflop_per_s).c_str());
    out += line;
    if (bw) out += " " + right(cell(!other, "%.1f", r.percent_of_bandwidth), 6);
    if (fl) out += " " + right(cell(has_flops, "%.1f", r.percent_of_peak_flops), 8);
    out += "\n";
  }
  std::snprintf(line, sizeof line, "%-*s %-9s %7s %9.2f %9s %7.1f\n", w, "step (wall time)", "", "", report.step_ms, "",
                100.0);
  out += line;
  if (!report.backward_nodes.empty()) {
    out += "\nbackward by autograd node (each closure's kernels plus its allocation and glue):\n";
    std::snprintf(line, sizeof line, "%-*s %7s %9s %9s %7s\n", w, "node", "calls", "ms", "mean ms", "% step");
    out += line;
    for (const ReportRow& r : report.backward_nodes) {
      std::snprintf(line, sizeof line, "%-*s %7.0f %9.2f %9.3f %7.1f\n", w, r.name.c_str(), r.calls, r.ms, r.mean_ms,
                    r.percent_of_step);
      out += line;
    }
  }
  return out;
}

}  // namespace ponet::profiler
