// linear_warmup_decay against values worked out by hand (Hugging Face's get_linear_schedule_with_warmup).
#include "test_util.h"
#include "train/schedule.h"

using namespace ponet;
using ponet::train::linear_warmup_decay;

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
