// How idle OpenMP threads wait between parallel regions. libgomp's default spins for a while before it
// sleeps; on a machine where other processes compete for the cores (a build, a second job, a CI runner)
// a spinning thread burns the time slice its partner needs and a training step gets several times
// slower (measured in docs/performance.md). libgomp reads its settings from the environment once, when
// it is loaded, before main() runs; so the only way to choose for the user is to re-execute the program
// with the variable set. The programs of this project call this first thing in main().
#pragma once

namespace ponet {

// When neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set, sets OMP_WAIT_POLICY=passive and re-executes
// the running program with the same arguments (Linux: /proc/self/exe). Does nothing when the user set
// either variable (their choice wins) or when re-execution fails (the program goes on as it is).
void prefer_passive_omp_wait(char** argv);

}  // namespace ponet
