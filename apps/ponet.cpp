// `ponet`: pretrain, evaluate and query small PoNet models; train LRA models.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "apps/args.h"
#include "apps/commands.h"
#include "core/error.h"
#include "core/omp_wait_policy.h"

namespace {

const char* kUsage =
    "usage: ponet <command> [options]\n"
    "\n"
    "commands:\n"
    "  pretrain   train a PoNet with MLM + SSO on a corpus (default: the King James Bible)\n"
    "  eval       evaluate a run's checkpoint on its held-out split\n"
    "  predict    fill the [MASK] tokens of a sentence and print the top-k candidates\n"
    "  finetune   fine-tune a PoNet classifier on labelled texts (from a pretraining run or from scratch)\n"
    "  classify   label texts with a fine-tuned classifier\n"
    "  lra        LRA ListOps: generate the data, train and test the LRA model with any token mixer\n"
    "  profile    time a training step kernel by kernel against the machine's measured limits\n"
    "\n"
    "`ponet <command> --help` lists a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  ponet::choose_omp_wait_policy(argv);  // first: may re-execute with OMP_WAIT_POLICY=passive
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    std::printf("%s", kUsage);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  try {
    if (command == "pretrain") return ponet::app::cmd_pretrain(argc - 2, argv + 2);
    if (command == "eval") return ponet::app::cmd_eval(argc - 2, argv + 2);
    if (command == "predict") return ponet::app::cmd_predict(argc - 2, argv + 2);
    if (command == "finetune") return ponet::app::cmd_finetune(argc - 2, argv + 2);
    if (command == "classify") return ponet::app::cmd_classify(argc - 2, argv + 2);
    if (command == "lra") return ponet::app::cmd_lra(argc - 2, argv + 2);
    if (command == "profile") return ponet::app::cmd_profile(argc - 2, argv + 2);
    std::fprintf(stderr, "ponet: unknown command '%s'\n\n%s", command.c_str(), kUsage);
    return 2;
  } catch (const ponet::app::UsageError& e) {
    std::fprintf(stderr, "ponet %s: %s\n", command.c_str(), e.what());
    return 2;
  } catch (const ponet::Error& e) {
    std::fprintf(stderr, "ponet %s: error: %s\n", command.c_str(), e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ponet %s: unexpected error: %s\n", command.c_str(), e.what());
    return 1;
  }
}
