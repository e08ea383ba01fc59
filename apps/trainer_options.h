// The options of train::TrainerOptions that the training commands (pretrain, finetune, lra) offer:
// declared here once with their help, each command giving its own defaults, and read back into
// TrainerOptions by one function. What differs between commands (checkpoint_every, best_metric,
// adam_eps) the command sets on the result.
#pragma once
#include <string>

#include "apps/args.h"
#include "train/trainer.h"

namespace ponet::app {

// A command's defaults, as option text. An empty one shows no default in --help: the command fills the
// value in (Args::set) after parsing, e.g. from an LRA preset, before read_trainer_options.
struct TrainerDefaults {
  std::string steps, warmup, lr;
  std::string weight_decay = "0.01", clip = "1.0", schedule = "linear";
  std::string eval_every, log_every = "10";
};

// --steps, --warmup, --lr, --weight-decay, --clip, --schedule, --eval-every, --log-every (recorded in
// run.json when `recorded`: a resumed run keeps them) and --quiet.
void declare_trainer_options(Args& a, const TrainerDefaults& defaults, bool recorded);
// --time-limit, --stop-after, --resume: how far this invocation trains and whether it continues the run
// in --out. Never recorded: each invocation says them anew.
void declare_resumable_run_options(Args& a);

// The options above into TrainerOptions (--time-limit and --stop-after where the command declares them),
// with out_dir; everything else keeps TrainerOptions' defaults.
train::TrainerOptions read_trainer_options(const Args& a, const std::string& out_dir);

}  // namespace ponet::app
