// The wait-policy rule (core/omp_wait_policy.h): passive only when other processes load the cores.
// That the CLI never overrides a user's OMP_WAIT_POLICY is checked in scripts/cli_smoke.sh.
#include "core/omp_wait_policy.h"
#include "test_util.h"

TEST_CASE("the OpenMP wait policy switches to passive only on a busy machine") {
  CHECK_FALSE(ponet::machine_looks_busy(0.0));
  CHECK_FALSE(ponet::machine_looks_busy(0.3));
  CHECK(ponet::machine_looks_busy(0.5));
  CHECK(ponet::machine_looks_busy(6.0));
}
