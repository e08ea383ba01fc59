#include "core/rng.h"

#include <cmath>
#include <sstream>

#include "core/error.h"

namespace ponet {

namespace {
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

void Rng::seed_with(uint64_t seed) {
  uint64_t z = seed;
  for (auto& s : s_) {  // splitmix64 spreads a small seed over the whole state
    z += 0x9e3779b97f4a7c15ULL;
    uint64_t x = z;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    s = x ^ (x >> 31);
  }
}

uint64_t Rng::next_u64() {
  uint64_t result = rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

float Rng::uniform() { return static_cast<float>(next_u64() >> 40) * (1.0f / 16777216.0f); }

float Rng::uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

float Rng::normal(float mean, float stddev) {
  // Box-Muller; u1 is kept away from 0 so log() stays finite.
  double u1 = (static_cast<double>(next_u64() >> 11) + 1.0) * (1.0 / 9007199254740993.0);
  double u2 = static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0);
  double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  return mean + stddev * static_cast<float>(z);
}

int64_t Rng::randint(int64_t lo, int64_t hi) {
  PONET_CHECK(hi > lo, "Rng::randint: empty range [", lo, ", ", hi, ")");
  return lo + static_cast<int64_t>(next_u64() % static_cast<uint64_t>(hi - lo));
}

std::string Rng::state_str() const {
  std::ostringstream os;
  os << s_[0] << ' ' << s_[1] << ' ' << s_[2] << ' ' << s_[3];
  return os.str();
}

void Rng::set_state_str(const std::string& s) {
  std::istringstream is(s);
  uint64_t v[4];
  for (auto& x : v) PONET_CHECK(static_cast<bool>(is >> x), "Rng: malformed state '", s, "'");
  std::string rest;
  PONET_CHECK(!(is >> rest), "Rng: trailing text in state '", s, "'");
  for (int i = 0; i < 4; ++i) s_[i] = v[i];
}

}  // namespace ponet
