#include "core/omp_wait_policy.h"

#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace ponet {

std::optional<CpuTimes> parse_proc_stat_cpu_line(const std::string& line) {
  std::istringstream in(line);
  std::string name;
  unsigned long long user, nice, system, idle, iowait = 0, irq = 0, softirq = 0;
  if (!(in >> name) || name != "cpu" || !(in >> user >> nice >> system >> idle)) return std::nullopt;
  in >> iowait >> irq >> softirq;  // absent on very old kernels: stay 0
  CpuTimes t;
  t.busy = user + nice + system + irq + softirq;
  t.total = t.busy + idle + iowait;
  return t;
}

double busy_cores_between(const CpuTimes& before, const CpuTimes& after, int cores) {
  if (after.total <= before.total || after.busy < before.busy) return 0.0;
  return static_cast<double>(after.busy - before.busy) / static_cast<double>(after.total - before.total) * cores;
}

namespace {
constexpr double kBusyCores = 0.5;  // other processes' load, in cores, that makes spinning a loss
}  // namespace

bool machine_looks_busy(double load_average_1min, std::optional<double> busy_cores_now) {
  if (load_average_1min < kBusyCores) return false;
  return !busy_cores_now || *busy_cores_now >= kBusyCores;
}

namespace {

std::optional<CpuTimes> read_cpu_times() {
  FILE* f = std::fopen("/proc/stat", "r");
  if (!f) return std::nullopt;
  char buf[512];
  const bool ok = std::fgets(buf, sizeof buf, f) != nullptr;
  std::fclose(f);
  return ok ? parse_proc_stat_cpu_line(buf) : std::nullopt;
}

// The cores' use by everything else over a 150 ms window (this process sleeps through it).
std::optional<double> busy_cores_now() {
  const std::optional<CpuTimes> before = read_cpu_times();
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  if (!before || cores <= 0) return std::nullopt;
  timespec pause{0, 150 * 1000 * 1000};
  nanosleep(&pause, nullptr);
  const std::optional<CpuTimes> after = read_cpu_times();
  if (!after || after->total <= before->total) return std::nullopt;
  return busy_cores_between(*before, *after, static_cast<int>(cores));
}

}  // namespace

void choose_omp_wait_policy(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  double load = 0.0;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = 0.0;
    std::fclose(f);
  }
  // The 150 ms measurement is taken only when the load average alone would call the machine busy.
  const std::optional<double> now = machine_looks_busy(load, std::nullopt) ? busy_cores_now() : std::nullopt;
  if (!machine_looks_busy(load, now)) return;
  if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Only reached when exec failed: keep running with libgomp's defaults (already loaded).
}

}  // namespace ponet
