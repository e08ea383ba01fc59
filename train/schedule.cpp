#include "train/schedule.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace ponet::train {

float linear_warmup_decay(int64_t step, int64_t warmup_steps, int64_t total_steps, float peak_lr) {
  PONET_CHECK(total_steps > 0, "linear_warmup_decay: total_steps must be > 0, got ", total_steps);
  PONET_CHECK(warmup_steps >= 0 && warmup_steps <= total_steps,
              "linear_warmup_decay: warmup_steps must be in [0, total_steps = ", total_steps, "], got ",
              warmup_steps);
  PONET_CHECK(step >= 0, "linear_warmup_decay: step must be >= 0, got ", step);
  PONET_CHECK(std::isfinite(peak_lr) && peak_lr >= 0, "linear_warmup_decay: peak_lr must be finite and >= 0, got ",
              peak_lr);
  // Computed in double: step counts can exceed float's 24-bit integer precision.
  double factor;
  if (step < warmup_steps) {
    factor = static_cast<double>(step) / static_cast<double>(warmup_steps);
  } else if (warmup_steps == total_steps) {
    factor = 0.0;  // all warmup, nothing left to decay over
  } else {
    factor = std::max(0.0, static_cast<double>(total_steps - step) / static_cast<double>(total_steps - warmup_steps));
  }
  return static_cast<float>(peak_lr * factor);
}

namespace {
// From `start` at pct 0 to `end` at pct 1.
double anneal(double start, double end, double pct, bool cosine) {
  return cosine ? end + (start - end) / 2.0 * (std::cos(M_PI * pct) + 1.0) : (end - start) * pct + start;
}
}  // namespace

OneCycle one_cycle(int64_t step, int64_t warmup_steps, int64_t total_steps, float max_lr, bool cosine) {
  PONET_CHECK(total_steps > 1, "one_cycle: total_steps must be > 1, got ", total_steps);
  PONET_CHECK(warmup_steps >= 0 && warmup_steps < total_steps, "one_cycle: warmup_steps must be in [0, total_steps = ",
              total_steps, "), got ", warmup_steps);
  PONET_CHECK(step >= 0, "one_cycle: step must be >= 0, got ", step);
  PONET_CHECK(std::isfinite(max_lr) && max_lr >= 0, "one_cycle: max_lr must be finite and >= 0, got ", max_lr);
  constexpr double kDiv = 25.0, kFinalDiv = 1e4, kBaseMomentum = 0.85, kMaxMomentum = 0.95;
  const double initial = max_lr / kDiv, final_lr = initial / kFinalDiv;
  // PyTorch's phase boundaries: the first phase ends at pct_start * total - 1 = warmup - 1 (written with
  // the integers: the product in floating point may land an ulp either side, and with an FMA does)
  const double warm_end = static_cast<double>(warmup_steps) - 1.0, last = static_cast<double>(total_steps - 1);
  const double s = std::min(static_cast<double>(step), last);
  if (s <= warm_end && warm_end > 0) {
    const double pct = s / warm_end;
    return {static_cast<float>(anneal(initial, max_lr, pct, cosine)),
            static_cast<float>(anneal(kMaxMomentum, kBaseMomentum, pct, cosine))};
  }
  const double from = std::max(warm_end, 0.0), pct = last > from ? (s - from) / (last - from) : 1.0;
  return {static_cast<float>(anneal(max_lr, final_lr, pct, cosine)),
          static_cast<float>(anneal(kBaseMomentum, kMaxMomentum, pct, cosine))};
}

Schedule parse_schedule(const std::string& name) {
  if (name == "linear") return Schedule::linear;
  if (name == "one_cycle") return Schedule::one_cycle;
  if (name == "one_cycle_cos") return Schedule::one_cycle_cos;
  if (name == "constant") return Schedule::constant;
  throw Error("unknown schedule '" + name + "' (expected linear, one_cycle, one_cycle_cos or constant)");
}

std::string schedule_name(Schedule s) {
  switch (s) {
    case Schedule::linear: return "linear";
    case Schedule::one_cycle: return "one_cycle";
    case Schedule::one_cycle_cos: return "one_cycle_cos";
    case Schedule::constant: return "constant";
  }
  return "?";
}

OneCycle scheduled(Schedule s, int64_t step, int64_t warmup_steps, int64_t total_steps, float peak_lr,
                   float base_beta1) {
  if (s == Schedule::linear) return {linear_warmup_decay(step, warmup_steps, total_steps, peak_lr), base_beta1};
  if (s == Schedule::constant) return {peak_lr, base_beta1};
  return one_cycle(step, warmup_steps, total_steps, peak_lr, s == Schedule::one_cycle_cos);
}

bool cycles_beta1(Schedule s) { return s == Schedule::one_cycle || s == Schedule::one_cycle_cos; }

}  // namespace ponet::train
