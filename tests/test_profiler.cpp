// The kernel profiler (core/profiler.h) and its report: a matmul of known size, forward and backward,
// gives the gemm rows with the call counts, bytes and FLOPs worked out by hand from the sizes; AdamW's
// kernel lands in the optimizer phase; nothing is recorded while profiling is off; the report's
// "% of step" adds up to 100 with the "other" row, and its rates follow from the totals.
#include <numeric>

#include "core/profile_report.h"
#include "core/profiler.h"
#include "test_util.h"
#include "train/optimizer.h"

using namespace ponet;
using namespace ponet::testing;
using profiler::Phase;

namespace {

// Profiling on for one test, and off and empty again afterwards whatever happens.
struct ProfilingOn {
  ProfilingOn() {
    profiler::reset();
    profiler::set_enabled(true);
  }
  ~ProfilingOn() {
    profiler::set_enabled(false);
    profiler::reset();
  }
};

const profiler::Record* find(const std::vector<profiler::Record>& rows, const std::string& name, Phase phase) {
  for (const profiler::Record& r : rows)
    if (r.name == name && r.phase == phase) return &r;
  return nullptr;
}

// c = a b for a [M, K], b [K, N], then backward with a given dC (no other op runs).
void run_matmul(int64_t M, int64_t K, int64_t N, Device device = Device::cpu()) {
  Rng rng(3);
  Tensor a = random_tensor({M, K}, rng).to(device), b = random_tensor({K, N}, rng).to(device);
  a.set_requires_grad(true);
  b.set_requires_grad(true);
  Tensor dc = Tensor::ones({M, N}, device);
  Tensor c = matmul(a, b);
  c.backward(dc);
}

}  // namespace

TEST_CASE("profiler: a matmul forward and backward gives gemm rows with exact calls bytes and FLOPs") {
  const int64_t M = 6, K = 5, N = 7;
  ProfilingOn on;
  run_matmul(M, K, N);
  const profiler::Summary s = profiler::summary();
  REQUIRE(s.kernels.size() == 3);
  const profiler::Record* fwd = find(s.kernels, "gemm_nn", Phase::Forward);
  const profiler::Record* da = find(s.kernels, "gemm_nt", Phase::Backward);
  const profiler::Record* db = find(s.kernels, "gemm_tn", Phase::Backward);
  REQUIRE(fwd);
  REQUIRE(da);
  REQUIRE(db);
  // forward C = A B: read A (M K) and B (K N), write C (M N)
  CHECK(fwd->calls == 1);
  CHECK(fwd->bytes == 4 * (6 * 5 + 5 * 7 + 6 * 7));
  CHECK(fwd->flops == 2 * 6 * 7 * 5);
  // dA = dC B^T: read dC (M N) and B, write dA (M K)
  CHECK(da->calls == 1);
  CHECK(da->bytes == 4 * (6 * 7 + 5 * 7 + 6 * 5));
  CHECK(da->flops == 2 * 6 * 5 * 7);
  // dB = A^T dC accumulates into the zero-filled dB (B has no batch dims): A, dC and dB read, dB written
  CHECK(db->calls == 1);
  CHECK(db->bytes == 4 * (6 * 5 + 6 * 7 + 2 * 5 * 7));
  CHECK(db->flops == 2 * 5 * 7 * 6);
  for (const profiler::Record& r : s.kernels) CHECK(r.total_s >= 0);
  REQUIRE(s.backward_nodes.size() == 1);
  CHECK(s.backward_nodes[0].name == "matmul");
  CHECK(s.backward_nodes[0].phase == Phase::Backward);
  CHECK(s.backward_nodes[0].calls == 1);
}

TEST_CASE("profiler: calls accumulate over repeated ops until reset") {
  ProfilingOn on;
  run_matmul(3, 4, 5);
  run_matmul(3, 4, 5);
  const profiler::Summary s = profiler::summary();
  const profiler::Record* fwd = find(s.kernels, "gemm_nn", Phase::Forward);
  REQUIRE(fwd);
  CHECK(fwd->calls == 2);
  CHECK(fwd->flops == 2 * (2 * 3 * 5 * 4));
  profiler::reset();
  CHECK(profiler::summary().kernels.empty());
}

TEST_CASE("profiler: nothing is recorded while profiling is off") {
  profiler::reset();
  REQUIRE_FALSE(profiler::enabled());
  run_matmul(4, 4, 4);
  Tensor x = Tensor::ones({8});
  Tensor y = gelu(add(x, x));
  const profiler::Summary s = profiler::summary();
  CHECK(s.kernels.empty());
  CHECK(s.backward_nodes.empty());
  CHECK(s.steps == 0);
}

TEST_CASE("profiler: elementwise ops are named by kernel and phase with their per-element counts") {
  ProfilingOn on;
  Tensor x = Tensor::full({10}, 0.5f);
  x.set_requires_grad(true);
  Tensor y = gelu(x);
  y.backward(Tensor::ones({10}));
  const profiler::Summary s = profiler::summary();
  const profiler::Record* fwd = find(s.kernels, "gelu_forward", Phase::Forward);
  const profiler::Record* bwd = find(s.kernels, "gelu_backward", Phase::Backward);
  REQUIRE(fwd);
  REQUIRE(bwd);
  CHECK(fwd->bytes == 4 * (10 + 10));  // read x, write y
  CHECK(fwd->flops == 5 * 10);
  CHECK(bwd->bytes == 4 * (10 + 10 + 10));  // read x and dy, write dx
  CHECK(bwd->flops == 11 * 10);
  CHECK(s.kernels.size() == 2);
}

TEST_CASE("profiler: the AdamW update is charged to the optimizer phase") {
  const int64_t n = 12;
  Tensor p = Tensor::full({n}, 1.f);
  p.set_requires_grad(true);
  train::AdamW opt({{"w", p}}, {});
  p.set_grad(Tensor::full({n}, 0.5f));
  ProfilingOn on;
  opt.step(0.1f);
  const profiler::Summary s = profiler::summary();
  REQUIRE(s.kernels.size() == 1);
  CHECK(s.kernels[0].name == "adamw_update");
  CHECK(s.kernels[0].phase == Phase::Optimizer);
  CHECK(s.kernels[0].bytes == 4 * 7 * n);  // read p, g, m, v; write p, m, v
  CHECK(s.kernels[0].flops == 14 * n);
  CHECK(profiler::current_phase() == Phase::Forward);  // the optimizer's phase ended with step()
}

TEST_CASE("profiler: steps count and a step holds its kernels' time") {
  ProfilingOn on;
  for (int i = 0; i < 2; ++i) {
    profiler::begin_step(Device::cpu());
    run_matmul(16, 16, 16);
    profiler::end_step(Device::cpu());
  }
  const profiler::Summary s = profiler::summary();
  CHECK(s.steps == 2);
  double sum = 0;
  for (const profiler::Record& r : s.kernels) sum += r.total_s;
  CHECK(s.kernel_s == doctest::Approx(sum));
  CHECK(s.kernel_s <= s.step_s);  // kernels are timed inside the steps, so this holds whatever the speed
}

TEST_CASE("profile report: per-step figures and rates follow from the totals and % of step sums to 100") {
  profiler::Summary s;
  s.steps = 2;
  s.step_s = 0.5;  // 250 ms per step
  s.kernels = {{"gemm", Phase::Forward, 4, 0.2, 400'000'000, 8'000'000'000},
               {"add", Phase::Backward, 10, 0.05, 100'000'000, 0}};
  s.kernel_s = 0.25;
  const profiler::Peaks peaks{10e9, 100e9};
  const profiler::Report r = profiler::make_report(s, peaks);
  CHECK(r.steps == 2);
  CHECK(r.step_ms == doctest::Approx(250));
  CHECK(r.kernel_ms == doctest::Approx(125));
  REQUIRE(r.kernels.size() == 3);
  const profiler::ReportRow& gemm = r.kernels[0];
  CHECK(gemm.name == "gemm");
  CHECK(gemm.phase == "forward");
  CHECK(gemm.calls == doctest::Approx(2));
  CHECK(gemm.ms == doctest::Approx(100));
  CHECK(gemm.mean_ms == doctest::Approx(50));
  CHECK(gemm.percent_of_step == doctest::Approx(40));
  CHECK(gemm.mbytes == doctest::Approx(200));
  CHECK(gemm.gflop == doctest::Approx(4));
  CHECK(gemm.gbytes_per_s == doctest::Approx(2));  // 4e8 B / 0.2 s
  CHECK(gemm.gflop_per_s == doctest::Approx(40));  // 8e9 / 0.2 s
  CHECK(gemm.percent_of_bandwidth == doctest::Approx(20));
  CHECK(gemm.percent_of_peak_flops == doctest::Approx(40));
  CHECK(r.kernels[1].percent_of_step == doctest::Approx(10));
  const profiler::ReportRow& other = r.kernels[2];
  CHECK(other.name == profiler::kOtherRow);
  CHECK(other.ms == doctest::Approx(125));
  CHECK(other.percent_of_step == doctest::Approx(50));
  double total = 0;
  for (const profiler::ReportRow& row : r.kernels) total += row.percent_of_step;
  CHECK(total == doctest::Approx(100));
  const std::string text = profiler::format_report(r, peaks);
  CHECK(text.find("gemm") != std::string::npos);
  CHECK(text.find(profiler::kOtherRow) != std::string::npos);
}

TEST_CASE("profile report: a summary without steps is an error") {
  CHECK_THROWS_WITH_AS(profiler::make_report(profiler::Summary{}, {}), doctest::Contains("no step was profiled"),
                       ponet::Error);
}

TEST_CASE("profiler: CUDA kernels are timed with events" * doctest::test_suite("gpu")) {
  if (skip_without_gpu()) return;
  ProfilingOn on;
  profiler::begin_step(Device::cuda());
  run_matmul(64, 32, 48, Device::cuda());
  profiler::end_step(Device::cuda());
  const profiler::Summary s = profiler::summary();
  const profiler::Record* fwd = find(s.kernels, "gemm_nn", Phase::Forward);
  const profiler::Record* bwd = find(s.kernels, "gemm_tn", Phase::Backward);
  REQUIRE(fwd);
  REQUIRE(bwd);
  CHECK(fwd->calls == 1);
  CHECK(bwd->calls == 1);
  CHECK(fwd->flops == 2 * 64 * 48 * 32);
  CHECK(fwd->total_s > 0);
  CHECK(bwd->total_s > 0);
  CHECK(s.kernel_s <= s.step_s);
}
