#include "apps/trainer_options.h"

#include "train/schedule.h"

namespace ponet::app {

void declare_trainer_options(Args& a, const TrainerDefaults& d, bool recorded) {
  const RecordedAs integer = recorded ? RecordedAs::integer : RecordedAs::none;
  const RecordedAs number = recorded ? RecordedAs::number : RecordedAs::none;
  const RecordedAs string = recorded ? RecordedAs::string : RecordedAs::none;
  a.option("steps", d.steps, "optimizer steps", integer);
  a.option("warmup", d.warmup, "warmup steps (linear: the rise from 0; one_cycle: its rising phase)", integer);
  a.option("lr", d.lr, "peak learning rate (AdamW)", number);
  a.option("weight-decay", d.weight_decay, "decoupled weight decay (not on biases and LayerNorm)", number);
  a.option("clip", d.clip, "clip the global gradient norm at this (0: never)", number);
  a.option("schedule", d.schedule,
           "learning-rate schedule: linear (warmup then linear decay, beta1 kept), one_cycle (PyTorch's OneCycleLR "
           "with linear annealing, beta1 cycled: the official LRA recipe), one_cycle_cos (cosine annealing) or "
           "constant (the peak lr at every step, without warmup)",
           string);
  a.option("eval-every", d.eval_every, "steps between evaluations on the held-out (dev) data", integer);
  a.option("log-every", d.log_every, "steps between progress lines and log.jsonl records", integer);
  a.flag("quiet", "no progress output");
}

void declare_resumable_run_options(Args& a) {
  a.option("time-limit", "0", "minutes after which training stops with a checkpoint (0: none)");
  a.option("stop-after", "0", "stop (with a checkpoint) after this many steps of this invocation (0: run to the end)");
  a.flag("resume", "continue the run in --out from its checkpoint (options come from its run.json)");
}

train::TrainerOptions read_trainer_options(const Args& a, const std::string& out_dir) {
  train::TrainerOptions to;
  to.out_dir = out_dir;
  to.steps = a.integer("steps");
  to.warmup_steps = a.integer("warmup");
  to.lr = static_cast<float>(a.number("lr"));
  to.weight_decay = static_cast<float>(a.number("weight-decay"));
  to.max_grad_norm = static_cast<float>(a.number("clip"));
  to.schedule = train::parse_schedule(a.str("schedule"));
  to.eval_every = a.integer("eval-every");
  to.log_every = a.integer("log-every");
  to.quiet = a.is_set("quiet");
  if (a.declares("time-limit")) to.time_limit_minutes = a.number("time-limit");
  if (a.declares("stop-after")) to.stop_after = a.integer("stop-after");
  return to;
}

}  // namespace ponet::app
