// Seeded random numbers. One Rng object is the only source of randomness for initialisation, dropout
// and data masking; passing it explicitly keeps runs reproducible and lets checkpoints save its state.
#pragma once
#include <cstdint>
#include <string>

namespace ponet {

// xoshiro256** (Blackman & Vigna), seeded through splitmix64. Small, fast, and its state is 4 words
// that a checkpoint can store as text.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { seed_with(seed); }
  void seed_with(uint64_t seed);

  uint64_t next_u64();
  float uniform();                          // [0, 1)
  float uniform(float lo, float hi);        // [lo, hi)
  float normal(float mean = 0.f, float stddev = 1.f);
  int64_t randint(int64_t lo, int64_t hi);  // [lo, hi)

  std::string state_str() const;             // "s0 s1 s2 s3" in decimal
  void set_state_str(const std::string& s);  // throws on malformed text

 private:
  uint64_t s_[4];
};

}  // namespace ponet
