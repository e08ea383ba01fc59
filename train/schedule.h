// Learning-rate schedule: linear warmup then linear decay, the schedule of BERT and PoNet pre-training
// (same values as Hugging Face's get_linear_schedule_with_warmup).
#pragma once
#include <cstdint>

namespace ponet::train {

// The learning rate for optimizer step `step` (0-based: the first update uses step 0):
//   step < warmup_steps:  peak_lr * step / warmup_steps          (rises from 0)
//   otherwise:            peak_lr * (total - step) / (total - warmup), clamped at 0 past total.
// Requires 0 <= warmup_steps <= total_steps, total_steps > 0, step >= 0, peak_lr finite and >= 0.
float linear_warmup_decay(int64_t step, int64_t warmup_steps, int64_t total_steps, float peak_lr);

}  // namespace ponet::train
