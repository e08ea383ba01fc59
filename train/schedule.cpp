#include "train/schedule.h"

#include <algorithm>

#include "core/error.h"

namespace ponet::train {

float linear_warmup_decay(int64_t step, int64_t warmup, int64_t total, float peak_lr) {
  PONET_CHECK(total > 0 && warmup >= 0 && warmup <= total, "linear_warmup_decay: need 0 <= warmup (", warmup,
              ") <= total (", total, "), total > 0");
  PONET_CHECK(step >= 0, "linear_warmup_decay: negative step ", step);
  if (step < warmup) return peak_lr * static_cast<float>(step + 1) / static_cast<float>(warmup);
  if (total == warmup) return peak_lr;
  const float remaining = static_cast<float>(std::max<int64_t>(total - step, 0)) / static_cast<float>(total - warmup);
  return peak_lr * remaining;
}

}  // namespace ponet::train
