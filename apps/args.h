// A small command-line parser for the `ponet` subcommands: `--name value`, `--name=value`, boolean
// `--flag`, and positional words. Every option is declared with its help text, so `--help` is generated
// and an unknown option or a malformed number is a clear error (exit code 2), never a silent default.
//
// An option can also be declared as recorded in the run directory's run.json (with its type), so that
// --resume continues with the options the run started with: run.json is written from the declarations
// (recorded_json) and read back into the same options (load_recorded), each option spelt once. Its key
// is the option's name with '-' as '_' (--batch-size: "batch_size").
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace ponet::app {

// How an option's value is recorded in run.json: not at all, or as a JSON string, integer, number or
// bool (flags only).
enum class RecordedAs { none, string, integer, number, boolean };

class Args {
 public:
  Args(std::string command, std::string summary) : command_(std::move(command)), summary_(std::move(summary)) {}

  // An empty default shows none in --help (the command fills the value in after parsing).
  void option(const std::string& name, const std::string& default_value, const std::string& help,
              RecordedAs recorded = RecordedAs::none);
  void flag(const std::string& name, const std::string& help, RecordedAs recorded = RecordedAs::none);
  // optional: may be left out (then str() gives ""); every positional after an optional one is optional too.
  void positional(const std::string& name, const std::string& help, bool optional = false);

  // Returns false when --help was given (usage already printed). Throws UsageError on bad input,
  // including a recorded option whose value is not of its type.
  bool parse(int argc, char** argv);

  bool declares(const std::string& name) const;  // an option or flag of this name was declared
  std::string str(const std::string& name) const;
  int64_t integer(const std::string& name) const;
  double number(const std::string& name) const;
  bool is_set(const std::string& name) const;  // flag given, or option given explicitly (or by run.json)
  std::string usage() const;
  // Replaces an option's value, e.g. with one chosen at run time that run.json must hold.
  void set(const std::string& name, const std::string& value);

  // The recorded options as run.json holds them: {key: value}, each value a JSON string, integer,
  // number or bool as declared.
  nlohmann::json recorded_json() const;
  // Replaces the recorded options' values with those of a run.json written by recorded_json (keys it
  // does not know are ignored). A key that is missing or of the wrong type is an error naming `where`.
  void load_recorded(const nlohmann::json& run_json, const std::string& where);

 private:
  struct Spec {
    std::string default_value, help;
    bool is_flag = false;
    RecordedAs recorded = RecordedAs::none;
  };

  std::string command_, summary_;
  std::vector<std::string> order_;
  std::map<std::string, Spec> specs_;
  std::vector<std::pair<std::string, std::string>> positional_specs_;
  size_t optional_from_ = static_cast<size_t>(-1);  // index of the first optional positional
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> explicit_;
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace ponet::app
