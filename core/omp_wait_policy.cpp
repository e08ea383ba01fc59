#include "core/omp_wait_policy.h"

#include <unistd.h>

#include <cstdlib>

namespace ponet {

void prefer_passive_omp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Only reached when exec failed: keep running with libgomp's defaults (already loaded).
}

}  // namespace ponet
