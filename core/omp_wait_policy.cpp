#include "core/omp_wait_policy.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace ponet {

bool machine_looks_busy(double load_average_1min) { return load_average_1min >= 0.5; }

void choose_omp_wait_policy(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  double load = 0.0;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = 0.0;
    std::fclose(f);
  }
  if (!machine_looks_busy(load)) return;
  if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Only reached when exec failed: keep running with libgomp's defaults (already loaded).
}

}  // namespace ponet
