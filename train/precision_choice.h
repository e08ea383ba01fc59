// `--precision auto`: train in bf16 only where this CPU does bf16 GEMMs clearly faster than fp32 ones.
//
// Having bf16 instructions is not enough. On the Xeons this was measured on (docs/results.md, "bfloat16 mixed
// precision") vdpbf16ps runs at half the fp32 FMA rate, so a bf16 GEMM there is ~0.5x fp32 and a bf16 step slower;
// AMX or a full-rate vdpbf16ps would be faster. So the choice is measured: the model's largest GEMM kind (the FFN's
// first product: batch tokens x intermediate x hidden) timed in both precisions, alternated, best of a few; bf16 is
// chosen when it is at least kAutoBf16MinSpeedup times faster. Without bf16 arithmetic nothing is timed (fp32, and the
// same answer every time).
#pragma once
#include <cstdint>
#include <string>

#include "core/precision.h"

namespace ponet::train {

// Below this measured GEMM speed-up bf16 does not pay for its rounding (and a step has work that is not GEMM).
constexpr double kAutoBf16MinSpeedup = 1.15;

struct PrecisionChoice {
  Precision precision = Precision::fp32;
  std::string reason;        // one line for the log: why this precision
  double bf16_speedup = 0;   // fp32 time / bf16 time of the timed GEMM; 0 when nothing was timed
};

// The rule, without the timing: fp32 without bf16 arithmetic, or when the bf16 time is not kAutoBf16MinSpeedup times
// smaller (a timing that is not a positive finite number counts as not faster).
PrecisionChoice decide_precision(bool cpu_has_bf16_arithmetic, double fp32_seconds, double bf16_seconds);

// The rule on this CPU, timing a tokens x intermediate x hidden GEMM on the current OpenMP threads (a few tenths of a
// second, only where the CPU has AVX512_BF16).
PrecisionChoice choose_precision_for_this_cpu(int64_t tokens, int64_t hidden, int64_t intermediate);

}  // namespace ponet::train
