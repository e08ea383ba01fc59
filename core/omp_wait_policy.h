// How idle OpenMP threads wait between parallel regions. libgomp's default spins for a while before it
// sleeps. On a quiet machine that is the fastest choice (the default pretraining step is 10-15 %
// slower with OMP_WAIT_POLICY=passive); on a machine where other processes compete for the cores (a
// build, a second job, a CI runner) a spinning thread burns the time slice its partner needs and a
// step gets up to 3x slower than with passive waiting (docs/performance.md). libgomp reads its settings
// from the environment once, when it is loaded, before main() runs; so the only way to choose for the
// user is to re-execute the program with the variable set. The programs of this project call
// choose_omp_wait_policy first thing in main().
#pragma once
#include <optional>
#include <string>

namespace ponet {

// Cumulative CPU time of all cores, in clock ticks, from the "cpu" line of /proc/stat.
struct CpuTimes {
  unsigned long long busy = 0;   // user + nice + system + irq + softirq
  unsigned long long total = 0;  // busy + idle + iowait (steal and guest are left out)
};

// Parses the aggregate "cpu  user nice system idle iowait irq softirq ..." line; nullopt when the line
// is not one.
std::optional<CpuTimes> parse_proc_stat_cpu_line(const std::string& line);

// How many cores' worth of work ran between two readings (0 when no time passed).
double busy_cores_between(const CpuTimes& before, const CpuTimes& after, int cores);

// True when other processes load the cores enough that spinning would steal their time: the 1-minute
// load average (taken before this process did any work) is at least half a core, and so is the
// measured use of the cores over a short window now (nullopt: not measurable, the load average alone
// decides). The load average alone is not enough: it decays over minutes, so right after a build (the
// main job's `scripts/pretrain.sh` builds, then trains) it still reads ~2 on an idle machine, and a
// 10-minute run chosen passive on that account was ~15 % slower for nothing.
bool machine_looks_busy(double load_average_1min, std::optional<double> busy_cores_now);

// When neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set and the machine looks busy (/proc/loadavg,
// then /proc/stat over 150 ms), sets OMP_WAIT_POLICY=passive and re-executes the running program with
// the same arguments (/proc/self/exe). Does nothing when the user set either variable (their choice
// wins), when the machine is quiet, or when re-execution fails (the program goes on with libgomp's
// defaults).
void choose_omp_wait_policy(char** argv);

}  // namespace ponet
