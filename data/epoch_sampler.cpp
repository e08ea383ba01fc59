#include "data/epoch_sampler.h"

#include <numeric>
#include <sstream>

#include "core/error.h"

namespace ponet::data {

EpochSampler::EpochSampler(size_t count) : count_(count), position_(count) {
  PONET_CHECK(count > 0, "epoch sampler: there are no examples to sample");
}

void EpochSampler::start_epoch(uint64_t seed) {
  seed_ = seed;
  order_.resize(count_);
  std::iota(order_.begin(), order_.end(), size_t{0});
  Rng shuffle(seed);
  // Fisher-Yates from the back: every order equally likely
  for (size_t i = count_ - 1; i > 0; --i)
    std::swap(order_[i], order_[static_cast<size_t>(shuffle.randint(0, static_cast<int64_t>(i) + 1))]);
  position_ = 0;
}

size_t EpochSampler::next(Rng& data_rng) {
  if (position_ == count_) {
    start_epoch(data_rng.next_u64());
    ++epoch_;
  }
  return order_[position_++];
}

std::string EpochSampler::state_str() const {
  return std::to_string(epoch_) + " " + std::to_string(seed_) + " " + std::to_string(position_);
}

void EpochSampler::set_state_str(const std::string& s) {
  std::istringstream in(s);
  long long epoch = -1;
  unsigned long long seed = 0, position = 0;
  std::string rest;
  const bool ok = static_cast<bool>(in >> epoch >> seed >> position) && !(in >> rest) && epoch >= 0 &&
                  position <= count_ && (epoch > 0 || position == count_);
  PONET_CHECK(ok, "epoch sampler: state '", s, "' is not 'epoch seed position' of a sampler over ", count_,
              " examples");
  epoch_ = epoch;
  if (epoch_ > 0) start_epoch(seed);
  seed_ = seed;
  position_ = position;
}

}  // namespace ponet::data
