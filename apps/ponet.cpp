// `ponet`: pretrain, evaluate and query small PoNet models; train LRA models.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "apps/args.h"
#include "apps/commands.h"
#include "core/error.h"
#include "core/omp_wait_policy.h"

namespace {

// The command table: dispatch and the usage text both come from it, so a command is added in one line.
struct Command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);  // the arguments after the command's name; returns the exit code
};

const Command kCommands[] = {
    {"pretrain", "train a PoNet with MLM + SSO on a corpus (default: the King James Bible)", ponet::app::cmd_pretrain},
    {"eval", "evaluate a run's checkpoint on its held-out split", ponet::app::cmd_eval},
    {"predict", "fill the [MASK] tokens of a sentence and print the top-k candidates", ponet::app::cmd_predict},
    {"finetune", "fine-tune a PoNet classifier on labelled texts (from a pretraining run or from scratch)",
     ponet::app::cmd_finetune},
    {"classify", "label texts with a fine-tuned classifier", ponet::app::cmd_classify},
    {"lra", "LRA ListOps: generate the data, train and test the LRA model with any token mixer", ponet::app::cmd_lra},
    {"profile", "time a training step kernel by kernel against the machine's measured limits", ponet::app::cmd_profile},
};

std::string usage() {
  size_t width = 0;
  for (const Command& c : kCommands) width = std::max(width, std::strlen(c.name));
  std::string out = "usage: ponet <command> [options]\n\ncommands:\n";
  for (const Command& c : kCommands)
    out += "  " + std::string(c.name) + std::string(width + 3 - std::strlen(c.name), ' ') + c.summary + "\n";
  return out + "\n`ponet <command> --help` lists a command's options.\n";
}

const Command* find_command(const std::string& name) {
  for (const Command& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  ponet::choose_omp_wait_policy(argv);  // first: may re-execute with OMP_WAIT_POLICY=passive
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    std::printf("%s", usage().c_str());
    return argc < 2 ? 2 : 0;
  }
  const std::string name = argv[1];
  const Command* command = find_command(name);
  if (!command) {
    std::fprintf(stderr, "ponet: unknown command '%s'\n\n%s", name.c_str(), usage().c_str());
    return 2;
  }
  try {
    return command->run(argc - 2, argv + 2);
  } catch (const ponet::app::UsageError& e) {
    std::fprintf(stderr, "ponet %s: %s\n", name.c_str(), e.what());
    return 2;
  } catch (const ponet::Error& e) {
    std::fprintf(stderr, "ponet %s: error: %s\n", name.c_str(), e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ponet %s: unexpected error: %s\n", name.c_str(), e.what());
    return 1;
  }
}
