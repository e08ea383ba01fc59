// A small command-line parser for the `ponet` subcommands: `--name value`, `--name=value`, boolean
// `--flag`, and positional words. Every option is declared with its help text, so `--help` is generated
// and an unknown option or a malformed number is a clear error (exit code 2), never a silent default.
//
// An option can also be declared as kept in the run directory's run.json (with its type), so that
// --resume continues with the options the run started with: run.json is written from the declarations
// (kept_json) and read back into the same options (load_kept), each option spelt once.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/text_dataset.h"
#include "train/trainer.h"

namespace ponet::app {

// How an option is kept in run.json. Its key is the option's name with '-' as '_' (--batch-size:
// "batch_size") unless the command calls Args::use_option_names_as_keys.
struct Kept {
  enum class Type { none, string, integer, number, boolean };
  Type type = Type::none;
  bool may_be_absent = false;  // run.json files from before this option lack it: they read its default
  const char* absent_value = nullptr;  // ... or this, where the default changed with the option's arrival

  static constexpr Kept string() { return {Type::string, false}; }
  static constexpr Kept integer() { return {Type::integer, false}; }
  static constexpr Kept number() { return {Type::number, false}; }
  static constexpr Kept boolean() { return {Type::boolean, false}; }  // flags only
  constexpr Kept added_later() const { return {type, true}; }         // sets may_be_absent
  // Older runs behaved as `value` (not as the new default): they resume with it.
  constexpr Kept added_later(const char* value) const { return {type, true, value}; }
};

class Args {
 public:
  Args(std::string command, std::string summary) : command_(std::move(command)), summary_(std::move(summary)) {}

  void option(const std::string& name, const std::string& default_value, const std::string& help,
              Kept kept = {});
  void flag(const std::string& name, const std::string& help, Kept kept = {});
  // optional: may be left out (then str() gives ""); every positional after an optional one is optional too.
  void positional(const std::string& name, const std::string& help, bool optional = false);
  // This command's run.json keys are its option names as spelt (--max-len: "max-len"), as in the run
  // directories it has always written.
  void use_option_names_as_keys() { keys_as_spelt_ = true; }

  // Returns false when --help was given (usage already printed). Throws UsageError on bad input,
  // including a kept option whose value is not of its type.
  bool parse(int argc, char** argv);

  std::string str(const std::string& name) const;
  int64_t integer(const std::string& name) const;
  double number(const std::string& name) const;
  bool is_set(const std::string& name) const;  // flag given, or option given explicitly (or by run.json)
  std::string usage() const;
  // Replaces an option's value, e.g. with one chosen at run time that run.json must hold.
  void set(const std::string& name, const std::string& value);

  // The kept options as run.json holds them: {key: value}, each value a JSON string, integer, number or
  // bool as declared.
  nlohmann::json kept_json() const;
  // Replaces the kept options' values with those of a run.json written by kept_json (keys it does not
  // know are ignored). A key that is missing or of the wrong type is an error naming `where`, except for
  // options kept as added_later(), which then take their declared default.
  void load_kept(const nlohmann::json& run_json, const std::string& where);

 private:
  struct Spec {
    std::string default_value, help;
    bool is_flag = false;
    Kept kept;
  };
  std::string key_of(const std::string& name) const;

  std::string command_, summary_;
  std::vector<std::string> order_;
  std::map<std::string, Spec> specs_;
  std::vector<std::pair<std::string, std::string>> positional_specs_;
  size_t optional_from_ = static_cast<size_t>(-1);  // index of the first optional positional
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> explicit_;
  bool keys_as_spelt_ = false;
};

// The options every training command shares: --device, --threads, --time-limit, --stop-after, --resume.
void declare_training_run_options(Args& a);
// Applies --threads (0: all cores); a negative count is an error.
void apply_threads_option(const Args& a);
// The Trainer's options every training command declares under the same names (--steps, --warmup, --lr,
// --weight-decay, --clip, --eval-every, --log-every and the run options above), into `out`. The caller
// sets what differs between commands (checkpoint_every, best_metric).
train::TrainerOptions trainer_options(const Args& a, const std::string& out);
// --text-field, --text-b-field, --label-field: the columns of a labelled dataset (data/text_dataset.h);
// kept in run.json when `kept` says so (finetune), so --resume reads the files the same way.
void declare_dataset_field_options(Args& a, Kept kept = {});
data::DatasetFields dataset_fields(const Args& a);

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace ponet::app
