// `--precision auto` (train/precision_choice.h): the rule on given timings, and the rule on this CPU.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "kernels/cpu/gemm_bf16.h"
#include "train/precision_choice.h"

using namespace ponet;
using train::decide_precision;

TEST_CASE("precision auto: bf16 only with bf16 arithmetic and a clearly faster bf16 GEMM") {
  // no bf16 instructions: fp32 whatever the timings say (the portable bf16 kernel is never worth it)
  CHECK(decide_precision(false, 1.0, 0.1).precision == Precision::fp32);
  CHECK(decide_precision(false, 1.0, 0.1).bf16_speedup == 0);
  // the Xeon m207 case: vdpbf16ps at half the FMA rate, bf16 about 0.5x
  const train::PrecisionChoice slow = decide_precision(true, 1.0, 2.0);
  CHECK(slow.precision == Precision::fp32);
  CHECK(slow.bf16_speedup == doctest::Approx(0.5));
  // just under and at the threshold
  CHECK(decide_precision(true, 1.0, 1.0 / (train::kAutoBf16MinSpeedup - 0.01)).precision == Precision::fp32);
  const train::PrecisionChoice fast = decide_precision(true, 1.0, 1.0 / 1.9);
  CHECK(fast.precision == Precision::bf16);
  CHECK(fast.bf16_speedup == doctest::Approx(1.9));
  CHECK(fast.reason.find("1.90x") != std::string::npos);
  // timings that are not positive finite numbers never choose bf16
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  for (double bad : {0.0, -1.0, inf, nan}) {
    CAPTURE(bad);
    CHECK(decide_precision(true, 1.0, bad).precision == Precision::fp32);
    CHECK(decide_precision(true, bad, 1.0).precision == Precision::fp32);
  }
}

TEST_CASE("precision auto on this CPU: fp32 without AVX512_BF16, a timed choice with it") {
  const train::PrecisionChoice c = train::choose_precision_for_this_cpu(256, 64, 128);
  MESSAGE("this CPU: " << c.reason);
  CHECK_FALSE(c.reason.empty());
  if (!cpu::cpu_has_avx512_bf16()) {
    CHECK(c.precision == Precision::fp32);
    CHECK(c.bf16_speedup == 0);  // nothing timed
  } else {
    CHECK(c.bf16_speedup > 0);   // both GEMMs ran and were timed
    CHECK((c.precision == Precision::bf16) == (c.bf16_speedup >= train::kAutoBf16MinSpeedup));
  }
}
