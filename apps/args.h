// A small command-line parser for the `ponet` subcommands: `--name value`, `--name=value`, boolean
// `--flag`, and positional words. Every option is declared with its help text, so `--help` is generated
// and an unknown option or a malformed number is a clear error (exit code 2), never a silent default.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ponet::app {

class Args {
 public:
  Args(std::string command, std::string summary) : command_(std::move(command)), summary_(std::move(summary)) {}

  void option(const std::string& name, const std::string& default_value, const std::string& help);
  void flag(const std::string& name, const std::string& help);
  // optional: may be left out (then str() gives ""); every positional after an optional one is optional too.
  void positional(const std::string& name, const std::string& help, bool optional = false);

  // Returns false when --help was given (usage already printed). Throws UsageError on bad input.
  bool parse(int argc, char** argv);

  std::string str(const std::string& name) const;
  int64_t integer(const std::string& name) const;
  double number(const std::string& name) const;
  bool is_set(const std::string& name) const;  // flag given, or option given explicitly
  std::string usage() const;

 private:
  struct Spec {
    std::string default_value, help;
    bool is_flag = false;
  };
  std::string command_, summary_;
  std::vector<std::string> order_;
  std::map<std::string, Spec> specs_;
  std::vector<std::pair<std::string, std::string>> positional_specs_;
  size_t optional_from_ = static_cast<size_t>(-1);  // index of the first optional positional
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> explicit_;
};

// The options every training command shares: --device, --threads, --time-limit, --stop-after, --resume.
void declare_training_run_options(Args& a);
// Applies --threads (0: all cores); a negative count is an error.
void apply_threads_option(const Args& a);

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace ponet::app
