// The wait-policy rule (core/omp_wait_policy.h): passive only when other processes load the cores now.
// That the CLI never overrides a user's OMP_WAIT_POLICY is checked in tests/scripts/cli_smoke.sh.
#include "core/omp_wait_policy.h"
#include "test_util.h"

TEST_CASE("the OpenMP wait policy switches to passive only on a busy machine") {
  CHECK_FALSE(ponet::machine_looks_busy(0.0, std::nullopt));
  CHECK_FALSE(ponet::machine_looks_busy(0.3, 2.0));  // a quiet minute: no need to measure
  CHECK(ponet::machine_looks_busy(0.5, std::nullopt));
  CHECK(ponet::machine_looks_busy(6.0, 1.9));
  CHECK(ponet::machine_looks_busy(2.0, 0.5));
  // A high load average left by a build that has just finished, on cores idle now: spin.
  CHECK_FALSE(ponet::machine_looks_busy(2.1, 0.02));
  CHECK_FALSE(ponet::machine_looks_busy(2.1, 0.49));
}

TEST_CASE("/proc/stat's cpu line gives how many cores were busy between two readings") {
  // user nice system idle iowait irq softirq steal guest guest_nice
  const auto a = ponet::parse_proc_stat_cpu_line("cpu  1000 10 200 5000 40 5 5 7 0 0\n");
  const auto b = ponet::parse_proc_stat_cpu_line("cpu  1030 10 210 5010 0040 5 5 9 0 0");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->busy == 1220);
  CHECK(a->total == 6260);
  // 40 busy ticks of 50 on 2 cores: 1.6 cores
  CHECK(ponet::busy_cores_between(*a, *b, 2) == doctest::Approx(1.6));
  CHECK(ponet::busy_cores_between(*b, *a, 2) == 0.0);  // time going backwards reads as idle
  CHECK(ponet::busy_cores_between(*a, *a, 2) == 0.0);
  // Not the aggregate line, or too short: nullopt, and the load average decides alone.
  CHECK_FALSE(ponet::parse_proc_stat_cpu_line("cpu0 1 2 3 4 5 6 7"));
  CHECK_FALSE(ponet::parse_proc_stat_cpu_line("cpu 1 2"));
  CHECK_FALSE(ponet::parse_proc_stat_cpu_line(""));
}
