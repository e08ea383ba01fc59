// `ponet predict`: fill [MASK] tokens with a trained run's model and print the top-k candidates (and,
// with --rank, where given words stand).
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "apps/args.h"
#include "apps/commands.h"
#include "apps/common_options.h"
#include "apps/predictions.h"
#include "train/mask_prediction.h"
#include "train/run_dir.h"

namespace ponet::app {

int cmd_predict(int argc, char** argv) {
  Args a("predict", "Fill the [MASK] tokens of a sentence, e.g. ponet predict \"The LORD is my [MASK].\"");
  a.positional("text", "the sentence, with one or more [MASK]");
  a.option("run", "runs/kjv-tiny", "run directory written by `ponet pretrain`");
  a.option("top-k", "5", "candidates to print per [MASK]");
  a.option("rank", "", "comma-separated words (single tokens) whose rank and probability to print at every [MASK]");
  declare_device_option(a);
  if (!a.parse(argc, argv)) return 0;
  const Device device = device_option(a);
  std::vector<std::string> watch;
  std::stringstream words(a.str("rank"));
  for (std::string w; std::getline(words, w, ',');)
    if (!w.empty()) watch.push_back(w);
  train::LoadedRun run = train::load_run(a.str("run"), device);
  print_predictions(a.str("text"),
                    train::predict_masks(*run.model, run.tokenizer, a.str("text"), a.integer("top-k"), watch));
  return 0;
}

}  // namespace ponet::app
