// Learning-rate schedules:
//   linear_warmup_decay  linear warmup then linear decay, the schedule of BERT and PoNet pre-training
//                        (same values as Hugging Face's get_linear_schedule_with_warmup);
//   one_cycle            PyTorch's OneCycleLR with its defaults, the schedule of the official LRA code
//                        (lxchtan/PoNet examples/LRA/code/run_tasks.py): it also cycles Adam's beta1.
#pragma once
#include <cstdint>
#include <string>

namespace ponet::train {

// The learning rate for optimizer step `step` (0-based: the first update uses step 0):
//   step < warmup_steps:  peak_lr * step / warmup_steps          (rises from 0)
//   otherwise:            peak_lr * (total - step) / (total - warmup), clamped at 0 past total.
// Requires 0 <= warmup_steps <= total_steps, total_steps > 0, step >= 0, peak_lr finite and >= 0.
float linear_warmup_decay(int64_t step, int64_t warmup_steps, int64_t total_steps, float peak_lr);

// OneCycleLR (two phases, PyTorch's defaults: div_factor 25, final_div_factor 1e4, momentum 0.95 -> 0.85
// -> 0.95): the lr rises from max_lr / 25 to max_lr over the first pct_start * total_steps - 1 steps
// (pct_start = warmup_steps / total_steps, as the official LRA loop sets it), then falls to max_lr / 25e4
// at the last step; beta1 moves the opposite way. `cosine` false: linear annealing (the LRA configs'
// "lr_decay": "linear"), true: cosine. Steps past the end keep the last values. A warmup too short to
// have a first phase (PyTorch divides by zero there) starts at max_lr.
struct OneCycle {
  float lr, beta1;
};
OneCycle one_cycle(int64_t step, int64_t warmup_steps, int64_t total_steps, float max_lr, bool cosine);

// The schedule a training run follows, by the name the CLI takes (--schedule):
//   linear         linear_warmup_decay, beta1 kept at the optimizer's own value;
//   one_cycle      one_cycle with linear annealing (the official LRA configs, "lr_decay": "linear");
//   one_cycle_cos  one_cycle with cosine annealing (OneCycleLR's own default);
//   constant       peak_lr at every step, beta1 kept (a benchmark step at a fixed lr, as the PyTorch
//                  side-by-side harness runs it: bench/bench_ponet_step.cpp --result).
enum class Schedule { linear, one_cycle, one_cycle_cos, constant };
bool cycles_beta1(Schedule s);  // one_cycle and one_cycle_cos
Schedule parse_schedule(const std::string& name);  // throws, naming the accepted values
std::string schedule_name(Schedule s);

// lr and beta1 for optimizer step `step`; `base_beta1` is returned unchanged by schedules that do not
// cycle momentum.
OneCycle scheduled(Schedule s, int64_t step, int64_t warmup_steps, int64_t total_steps, float peak_lr,
                   float base_beta1);

}  // namespace ponet::train
