// How idle OpenMP threads wait between parallel regions. libgomp's default spins for a while before it
// sleeps. On a quiet machine that is the fastest choice (the default pretraining step is about 15 %
// slower with OMP_WAIT_POLICY=passive); on a machine where other processes compete for the cores (a
// build, a second job, a CI runner) a spinning thread burns the time slice its partner needs and a
// step gets up to 3x slower than with passive waiting (docs/performance.md). libgomp reads its settings
// from the environment once, when it is loaded, before main() runs; so the only way to choose for the
// user is to re-execute the program with the variable set. The programs of this project call
// choose_omp_wait_policy first thing in main().
#pragma once

namespace ponet {

// True when the machine looks busy: the 1-minute load average (taken before this process did any
// work) is at least half a core.
bool machine_looks_busy(double load_average_1min);

// When neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set and the machine looks busy (/proc/loadavg),
// sets OMP_WAIT_POLICY=passive and re-executes the running program with the same arguments
// (/proc/self/exe). Does nothing when the user set either variable (their choice wins), when the
// machine is quiet, or when re-execution fails (the program goes on with libgomp's defaults).
void choose_omp_wait_policy(char** argv);

}  // namespace ponet
