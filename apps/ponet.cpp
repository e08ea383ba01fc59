// `ponet`: pretrain, evaluate and query small PoNet models; train LRA models.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "apps/args.h"
#include "apps/commands.h"
#include "core/error.h"
#include "core/omp_wait_policy.h"
#include "dist/agreement.h"
#include "dist/communicator.h"
#include "kernels/cpu/gemm.h"

namespace {

// The command table: dispatch and the usage text both come from it, so a command is added in one line.
struct Command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);  // the arguments after the command's name; returns the exit code
};

const Command kCommands[] = {
    {"pretrain", "train a PoNet with MLM + SSO on a corpus (default: the King James Bible)", ponet::app::cmd_pretrain},
    {"lm", "train a causal language model (causal PoNet or softmax) on a corpus, for `ponet generate`", ponet::app::cmd_lm},
    {"generate", "continue a prompt with a `ponet lm` run (temperature, top-k, top-p)", ponet::app::cmd_generate},
    {"eval", "evaluate a run's checkpoint on its held-out split", ponet::app::cmd_eval},
    {"predict", "fill the [MASK] tokens of a sentence and print the top-k candidates", ponet::app::cmd_predict},
    {"finetune", "fine-tune a PoNet classifier on labelled texts (from a pretraining run or from scratch)",
     ponet::app::cmd_finetune},
    {"classify", "label texts with a fine-tuned classifier", ponet::app::cmd_classify},
    {"lra", "LRA ListOps, Image, Pathfinder: make the data, train and test the LRA model with any token mixer", ponet::app::cmd_lra},
    {"profile", "time a training step kernel by kernel against the machine's measured limits", ponet::app::cmd_profile},
    {"export", "write a run's model as a Hugging Face directory (a softmax run loads as a stock BERT)", ponet::app::cmd_export},
    {"tokenize", "print the tokens and ids of a text under a run's vocabulary", ponet::app::cmd_tokenize},
    {"upgrade-run", "convert a run directory written by an older ponet to the current format, in place",
     ponet::app::cmd_upgrade_run},
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

// Under mpirun: the job's communicator, the start-up agreement check, and rank 0 alone on the console.
// Other ranks' stdout and stderr go to /dev/null; their real stderr is kept in the returned descriptor,
// which an error puts back so that every rank can say what went wrong. -1 when not a job.
int start_job(int argc, char** argv) {
  if (!ponet::dist::launched_as_job()) return -1;
  ponet::dist::Communicator& comm = ponet::dist::world();  // throws in a build without MPI
  ponet::dist::Fingerprints mine;
  std::string args;
  for (int i = 1; i < argc; ++i) {
    mine.push_back({"argument " + std::to_string(i), argv[i]});
    struct stat st;
    if (::stat(argv[i], &st) == 0 && S_ISREG(st.st_mode))
      mine.push_back({std::string("file ") + argv[i], ponet::dist::file_fingerprint(argv[i])});
  }
  mine.push_back({"binary (/proc/self/exe)", ponet::dist::file_fingerprint("/proc/self/exe")});
  ponet::dist::check_agreement(comm, mine);
  if (comm.rank() == 0) return -1;
  const int saved = ::dup(STDERR_FILENO);
  const int null_fd = ::open("/dev/null", O_WRONLY);
  if (null_fd >= 0) {
    ::dup2(null_fd, STDOUT_FILENO);
    ::dup2(null_fd, STDERR_FILENO);
    ::close(null_fd);
  }
  return saved;
}

// Prints the error (naming the rank in a job) and ends: a job's every rank is taken down with it, so
// that no rank waits forever in a collective for one that has gone.
int fail(int code, const std::string& message, int saved_stderr) {
  if (saved_stderr >= 0) ::dup2(saved_stderr, STDERR_FILENO);
  if (ponet::dist::launched_as_job() && ponet::dist::mpi_compiled()) {
    ponet::dist::Communicator* comm = nullptr;
    try {
      comm = &ponet::dist::world();
    } catch (const std::exception&) {
    }
    if (comm) comm->abort(code, message);
  }
  std::fprintf(stderr, "%s\n", message.c_str());
  return code;
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
  int saved_stderr = -1;
  try {
    saved_stderr = start_job(argc, argv);
    ponet::cpu::gemm_micro_kernel_name();  // a bad PONET_GEMM_KERNEL is reported here, before any work
    const int code = command->run(argc - 2, argv + 2);
    ponet::dist::shutdown();
    return code;
  } catch (const ponet::app::UsageError& e) {
    return fail(2, "ponet " + name + ": " + e.what(), saved_stderr);
  } catch (const ponet::Error& e) {
    return fail(1, "ponet " + name + ": error: " + e.what(), saved_stderr);
  } catch (const std::exception& e) {
    return fail(1, "ponet " + name + ": unexpected error: " + e.what(), saved_stderr);
  }
}
