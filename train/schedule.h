// Learning-rate schedule: linear warmup from 0 to peak over `warmup` steps, then linear decay to 0 at
// `total` (the schedule BERT and the PoNet paper use). step counts completed steps, 0-based.
#pragma once
#include <cstdint>

namespace ponet::train {

float linear_warmup_decay(int64_t step, int64_t warmup, int64_t total, float peak_lr);

}  // namespace ponet::train
