// data::EpochSampler: every index once per epoch, a new order each epoch, exact continuation from a
// saved state, and refusal of states that are not its own.
#include <algorithm>

#include "data/epoch_sampler.h"
#include "test_util.h"

using ponet::Error;
using ponet::Rng;
using ponet::data::EpochSampler;

TEST_CASE("epoch sampler: each epoch is a permutation, and the epochs differ") {
  EpochSampler sampler(10);
  Rng rng(3);
  std::vector<std::vector<size_t>> epochs(4);
  for (auto& e : epochs) {
    for (int i = 0; i < 10; ++i) e.push_back(sampler.next(rng));
    std::vector<size_t> sorted = e;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < 10; ++i) CHECK(sorted[i] == i);
  }
  CHECK(sampler.epoch() == 4);
  CHECK(epochs[0] != epochs[1]);
  CHECK(epochs[1] != epochs[2]);
  // one example: always index 0
  EpochSampler one(1);
  for (int i = 0; i < 3; ++i) CHECK(one.next(rng) == 0);
}

TEST_CASE("epoch sampler: a state saved mid-epoch continues with the same indices") {
  for (int stop_at : {0, 4, 7, 10, 13}) {
    CAPTURE(stop_at);
    EpochSampler straight(7);
    Rng rng_a(11);
    std::vector<size_t> expected;
    for (int i = 0; i < 20; ++i) expected.push_back(straight.next(rng_a));

    EpochSampler first(7);
    Rng rng_b(11);
    std::vector<size_t> got;
    for (int i = 0; i < stop_at; ++i) got.push_back(first.next(rng_b));
    const std::string state = first.state_str(), rng_state = rng_b.state_str();
    EpochSampler resumed(7);
    Rng rng_c(999);
    rng_c.set_state_str(rng_state);
    resumed.set_state_str(state);
    for (int i = stop_at; i < 20; ++i) got.push_back(resumed.next(rng_c));
    CHECK(got == expected);
  }
}

TEST_CASE("epoch sampler: bad states are refused with the text") {
  EpochSampler sampler(5);
  CHECK_THROWS_WITH_AS(sampler.set_state_str("1 2"), doctest::Contains("'1 2'"), Error);
  CHECK_THROWS_WITH_AS(sampler.set_state_str("1 2 6"), doctest::Contains("over 5 examples"), Error);
  CHECK_THROWS_WITH_AS(sampler.set_state_str("1 2 3 4"), doctest::Contains("not 'epoch seed position'"), Error);
  CHECK_THROWS_WITH_AS(sampler.set_state_str("0 0 2"), doctest::Contains("not 'epoch seed position'"), Error);
  CHECK_THROWS_WITH_AS(sampler.set_state_str("-1 0 5"), doctest::Contains("not 'epoch seed position'"), Error);
  CHECK_THROWS_WITH_AS(EpochSampler(0), doctest::Contains("no examples"), Error);
  sampler.set_state_str("0 0 5");  // the fresh state
  CHECK(sampler.epoch() == 0);
}
