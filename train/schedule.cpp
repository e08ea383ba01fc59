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

}  // namespace ponet::train
