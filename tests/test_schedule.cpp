// linear_warmup_decay against values worked out by hand (Hugging Face's get_linear_schedule_with_warmup),
// one_cycle against PyTorch's OneCycleLR (a fixture).
#include <cmath>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "test_util.h"
#include "train/schedule.h"

using namespace ponet;
using ponet::train::linear_warmup_decay;
using ponet::train::one_cycle;
using ponet::train::OneCycle;

TEST_CASE("schedule: linear warmup then linear decay to zero") {
  const float peak = 2e-3f;
  CHECK(linear_warmup_decay(0, 10, 110, peak) == 0.f);
  CHECK(linear_warmup_decay(1, 10, 110, peak) == doctest::Approx(2e-4));
  CHECK(linear_warmup_decay(5, 10, 110, peak) == doctest::Approx(1e-3));
  CHECK(linear_warmup_decay(10, 10, 110, peak) == doctest::Approx(2e-3));
  CHECK(linear_warmup_decay(60, 10, 110, peak) == doctest::Approx(1e-3));
  CHECK(linear_warmup_decay(109, 10, 110, peak) == doctest::Approx(2e-5));
  CHECK(linear_warmup_decay(110, 10, 110, peak) == 0.f);
  CHECK(linear_warmup_decay(500, 10, 110, peak) == 0.f);
  // The peak is the maximum and is reached exactly once.
  for (int64_t s = 0; s < 120; ++s) CHECK(linear_warmup_decay(s, 10, 110, peak) <= peak);
}

TEST_CASE("schedule: edge cases of the warmup length") {
  CHECK(linear_warmup_decay(0, 0, 4, 1.f) == 1.f);  // no warmup: start at the peak
  CHECK(linear_warmup_decay(2, 0, 4, 1.f) == 0.5f);
  CHECK(linear_warmup_decay(3, 4, 4, 1.f) == 0.75f);  // all warmup
  CHECK(linear_warmup_decay(4, 4, 4, 1.f) == 0.f);
  // Large step counts stay exact (computed in double).
  CHECK(linear_warmup_decay(50'000'001, 0, 100'000'002, 1.f) == 0.5f);
}

TEST_CASE("schedule: bad arguments are rejected") {
  CHECK_THROWS_WITH_AS(linear_warmup_decay(0, 0, 0, 1.f), doctest::Contains("total_steps"), Error);
  CHECK_THROWS_WITH_AS(linear_warmup_decay(0, 11, 10, 1.f), doctest::Contains("warmup_steps"), Error);
  CHECK_THROWS_WITH_AS(linear_warmup_decay(0, -1, 10, 1.f), doctest::Contains("warmup_steps"), Error);
  CHECK_THROWS_WITH_AS(linear_warmup_decay(-1, 1, 10, 1.f), doctest::Contains("step must be"), Error);
  CHECK_THROWS_WITH_AS(linear_warmup_decay(0, 1, 10, -1.f), doctest::Contains("peak_lr"), Error);
  CHECK_THROWS_WITH_AS(linear_warmup_decay(0, 1, 10, INFINITY), doctest::Contains("peak_lr"), Error);
}

TEST_CASE("schedule: one_cycle equals PyTorch's OneCycleLR, lr and beta1, at every step") {
  // tests/data/one_cycle.json: written by tests/data/generators/make_one_cycle_fixture.py with
  // torch.optim.lr_scheduler
  const nlohmann::json cases = nlohmann::json::parse(ponet::io::read_file(PONET_TEST_DATA_DIR "/one_cycle.json"));
  REQUIRE(cases.size() >= 3);
  double worst_lr = 0, worst_beta = 0;
  for (const auto& c : cases) {
    const int64_t total = c["total_steps"], warmup = c["warmup_steps"];
    const float max_lr = c["max_lr"];
    const bool cosine = c["anneal"] == "cos";
    REQUIRE(c["lr"].size() == static_cast<size_t>(total));
    for (int64_t s = 0; s < total; ++s) {
      const OneCycle v = one_cycle(s, warmup, total, max_lr, cosine);
      const double lr = c["lr"][s], beta1 = c["beta1"][s];
      CAPTURE(s);
      CHECK(std::abs(v.lr - lr) <= 1e-6 * max_lr);  // float rounding of the same double formula
      CHECK(std::abs(v.beta1 - beta1) <= 1e-6);
      worst_lr = ponet::testing::worst_error(worst_lr, std::abs(v.lr - lr) / max_lr);
      worst_beta = ponet::testing::worst_error(worst_beta, std::abs(v.beta1 - beta1));
    }
  }
  MESSAGE("one_cycle vs PyTorch: lr within ", worst_lr, " of max_lr, beta1 within ", worst_beta);
  // past the end: the last values
  CHECK(one_cycle(60, 10, 50, 1e-4f, false).lr == one_cycle(49, 10, 50, 1e-4f, false).lr);
  // a warmup too short for a first phase starts at the peak
  CHECK(one_cycle(0, 1, 20, 1e-3f, false).lr == doctest::Approx(1e-3f));
  CHECK_THROWS_WITH_AS(one_cycle(0, 20, 20, 1e-3f, false), doctest::Contains("warmup_steps must be in"), ponet::Error);
  CHECK_THROWS_WITH_AS(one_cycle(-1, 2, 20, 1e-3f, false), doctest::Contains("step must be >= 0"), ponet::Error);
}

TEST_CASE("schedule: the names the CLI takes pick the schedule, linear keeps beta1") {
  using ponet::train::parse_schedule;
  using ponet::train::Schedule;
  using ponet::train::scheduled;
  for (const char* name : {"linear", "one_cycle", "one_cycle_cos", "constant"})
    CHECK(ponet::train::schedule_name(parse_schedule(name)) == name);
  CHECK_THROWS_WITH_AS(parse_schedule("cosine"),
                       doctest::Contains("expected linear, one_cycle, one_cycle_cos or constant"), ponet::Error);
  for (int64_t s : {0, 9, 10, 500}) {  // constant: the peak at every step, past the end too
    CHECK(scheduled(Schedule::constant, s, 10, 110, 2e-3f, 0.9f).lr == 2e-3f);
    CHECK(scheduled(Schedule::constant, s, 10, 110, 2e-3f, 0.9f).beta1 == 0.9f);
  }
  CHECK_FALSE(ponet::train::cycles_beta1(Schedule::constant));
  CHECK_FALSE(ponet::train::cycles_beta1(Schedule::linear));
  CHECK(ponet::train::cycles_beta1(Schedule::one_cycle));
  const OneCycle lin = scheduled(Schedule::linear, 5, 10, 110, 2e-3f, 0.9f);
  CHECK(lin.lr == linear_warmup_decay(5, 10, 110, 2e-3f));
  CHECK(lin.beta1 == 0.9f);
  for (int64_t s : {0, 3, 9, 10, 50, 109}) {
    CHECK(scheduled(Schedule::one_cycle, s, 10, 110, 2e-3f, 0.9f).lr == one_cycle(s, 10, 110, 2e-3f, false).lr);
    CHECK(scheduled(Schedule::one_cycle_cos, s, 10, 110, 2e-3f, 0.9f).beta1 ==
          one_cycle(s, 10, 110, 2e-3f, true).beta1);
  }
  // the two annealings differ mid-way
  CHECK(scheduled(Schedule::one_cycle, 50, 10, 110, 2e-3f, 0.9f).lr !=
        scheduled(Schedule::one_cycle_cos, 50, 10, 110, 2e-3f, 0.9f).lr);
}
