// `--precision auto` (train/precision_choice.h).
#include "train/precision_choice.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "core/rng.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_bf16.h"

namespace ponet::train {

PrecisionChoice decide_precision(bool cpu_has_bf16_arithmetic, double fp32_seconds, double bf16_seconds) {
  PrecisionChoice c;
  if (!cpu_has_bf16_arithmetic) {
    c.reason = "fp32: this CPU has no bf16 arithmetic (AVX512_BF16)";
    return c;
  }
  const bool timed = std::isfinite(fp32_seconds) && std::isfinite(bf16_seconds) && fp32_seconds > 0 && bf16_seconds > 0;
  c.bf16_speedup = timed ? fp32_seconds / bf16_seconds : 0;
  char line[160];
  if (c.bf16_speedup >= kAutoBf16MinSpeedup) {
    c.precision = Precision::bf16;
    std::snprintf(line, sizeof line, "bf16: its GEMM ran %.2fx as fast as fp32's here (bf16 from %.2fx)", c.bf16_speedup,
                  kAutoBf16MinSpeedup);
  } else if (timed) {
    std::snprintf(line, sizeof line, "fp32: the bf16 GEMM ran only %.2fx as fast as fp32's here (bf16 from %.2fx)",
                  c.bf16_speedup, kAutoBf16MinSpeedup);
  } else {
    std::snprintf(line, sizeof line, "fp32: the GEMMs could not be timed (%g s fp32, %g s bf16)", fp32_seconds,
                  bf16_seconds);
  }
  c.reason = line;
  return c;
}

PrecisionChoice choose_precision_for_this_cpu(int64_t tokens, int64_t hidden, int64_t intermediate) {
  if (!cpu::cpu_has_avx512_bf16()) return decide_precision(false, 0, 0);
  // the FFN's first product, activations [tokens, hidden] times the weight [intermediate, hidden] transposed
  const int64_t M = std::clamp<int64_t>(tokens, 64, 4096), N = intermediate, K = hidden;
  std::vector<float> a(M * K), w(N * K), c(M * N);
  Rng rng(1);
  for (float& v : a) v = rng.normal();
  for (float& v : w) v = 0.05f * rng.normal();
  auto seconds = [&](bool bf16) {
    const auto t0 = std::chrono::steady_clock::now();
    if (bf16) cpu::gemm_bf16(false, true, M, N, K, 1.f, a.data(), K, w.data(), K, 0.f, c.data(), N);
    else cpu::gemm(false, true, M, N, K, 1.f, a.data(), K, w.data(), K, 0.f, c.data(), N);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  seconds(false), seconds(true);  // warm the packing buffers and the caches
  double best_fp32 = std::numeric_limits<double>::infinity(), best_bf16 = best_fp32;
  for (int round = 0; round < 5; ++round) {  // alternated, so a slow moment of the machine hits both
    best_fp32 = std::min(best_fp32, seconds(false));
    best_bf16 = std::min(best_bf16, seconds(true));
  }
  return decide_precision(true, best_fp32, best_bf16);
}

}  // namespace ponet::train
