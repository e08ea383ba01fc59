// fp32 <-> bf16 conversion (core/bfloat16.h): round to nearest with ties to even, NaN kept (and quiet), Inf, signed
// zero, denormals, overflow to Inf, and the round trip of every bf16 value.
#include <cmath>
#include <cstring>
#include <limits>

#include "core/bfloat16.h"
#include "test_util.h"

using namespace ponet;

namespace {
float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
}  // namespace

TEST_CASE("float_to_bf16 rounds to nearest, ties to even") {
  CHECK(float_to_bf16(1.0f) == 0x3f80);
  CHECK(float_to_bf16(from_bits(0x3f808000u)) == 0x3f80);  // tie, kept part even: down
  CHECK(float_to_bf16(from_bits(0x3f818000u)) == 0x3f82);  // tie, kept part odd: up to even
  CHECK(float_to_bf16(from_bits(0x3f808001u)) == 0x3f81);  // just above the tie: up
  CHECK(float_to_bf16(from_bits(0x3f807fffu)) == 0x3f80);  // just below: down
  CHECK(float_to_bf16(from_bits(0xbf818000u)) == 0xbf82);  // sign does not change the rule
  CHECK(float_to_bf16(from_bits(0x3fffffffu)) == 0x4000);  // carry into the exponent
  CHECK(float_to_bf16(-0.0f) == 0x8000);
  CHECK(float_to_bf16(0.0f) == 0x0000);
}

TEST_CASE("float_to_bf16 keeps NaN, Inf, denormals and overflows to Inf") {
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(float_to_bf16(inf) == 0x7f80);
  CHECK(float_to_bf16(-inf) == 0xff80);
  // a NaN whose payload sits only in the low 16 bits would truncate to Inf: it must stay NaN
  for (uint32_t nan : {0x7f800001u, 0x7fc00000u, 0xff800001u, 0x7fffffffu}) {
    CAPTURE(nan);
    CHECK(std::isnan(bf16_to_float(float_to_bf16(from_bits(nan)))));
    CHECK((float_to_bf16(from_bits(nan)) & 0x8000) == ((nan >> 16) & 0x8000));  // sign kept
  }
  CHECK(float_to_bf16(std::numeric_limits<float>::max()) == 0x7f80);  // rounds past the largest bf16
  CHECK(float_to_bf16(from_bits(0x7f7f7fffu)) == 0x7f7f);             // the largest that stays finite
  CHECK(float_to_bf16(from_bits(0x7f7f8000u)) == 0x7f80);             // its tie goes to even: Inf
  CHECK(float_to_bf16(from_bits(0x00010000u)) == 0x0001);             // a bf16 denormal, exact
  CHECK(float_to_bf16(from_bits(0x00018000u)) == 0x0002);             // denormal tie to even
  CHECK(float_to_bf16(from_bits(0x00007fffu)) == 0x0000);             // below half the smallest: zero
  CHECK(float_to_bf16(from_bits(0x007fffffu)) == 0x0080);             // largest fp32 denormal -> min normal
}

TEST_CASE(
    "every finite bf16 survives the round trip, and rounding is within "
    "half an ulp") {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = bf16_to_float(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    REQUIRE(float_to_bf16(f) == h);
  }
  Rng rng(3);
  for (int i = 0; i < 100000; ++i) {
    const float x = rng.uniform(-1000, 1000);
    const float r = round_to_bf16(x);
    REQUIRE(std::abs(static_cast<double>(r) - x) <= std::ldexp(std::abs(static_cast<double>(x)), -8));
  }
}
