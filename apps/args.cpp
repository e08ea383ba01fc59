#include "apps/args.h"

#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <sstream>

#include "core/error.h"

namespace ponet::app {

void Args::option(const std::string& name, const std::string& default_value, const std::string& help, Kept kept) {
  if (kept.type == Kept::Type::boolean) throw UsageError("internal: option --" + name + " kept as a bool (a flag?)");
  order_.push_back(name);
  specs_[name] = {default_value, help, false, kept};
  values_[name] = default_value;
}

void Args::flag(const std::string& name, const std::string& help, Kept kept) {
  if (kept.type != Kept::Type::none && kept.type != Kept::Type::boolean)
    throw UsageError("internal: flag --" + name + " can only be kept as a bool");
  order_.push_back(name);
  specs_[name] = {"", help, true, kept};
  values_[name] = "0";
}

void Args::positional(const std::string& name, const std::string& help, bool optional) {
  positional_specs_.emplace_back(name, help);
  if (optional) {
    values_[name] = "";
    optional_from_ = std::min(optional_from_, positional_specs_.size() - 1);
  }
}

bool Args::parse(int argc, char** argv) {
  size_t next_positional = 0;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::printf("%s", usage().c_str());
      return false;
    }
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2), value;
      bool has_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      auto it = specs_.find(name);
      if (it == specs_.end()) throw UsageError("unknown option --" + name + " for '" + command_ + "' (see --help)");
      if (it->second.is_flag) {
        if (has_value) throw UsageError("--" + name + " takes no value");
        values_[name] = "1";
      } else {
        if (!has_value) {
          if (i + 1 >= argc) throw UsageError("--" + name + " needs a value");
          value = argv[++i];
        }
        values_[name] = value;
      }
      explicit_[name] = true;
    } else {
      if (next_positional >= positional_specs_.size())
        throw UsageError("unexpected argument '" + a + "' for '" + command_ + "' (see --help)");
      values_[positional_specs_[next_positional].first] = a;
      explicit_[positional_specs_[next_positional].first] = true;
      ++next_positional;
    }
  }
  if (next_positional < positional_specs_.size() && next_positional < optional_from_)
    throw UsageError("missing argument <" + positional_specs_[next_positional].first + "> (see --help)");
  kept_json();  // a kept option that is not of its type fails now, before any work
  return true;
}

std::string Args::str(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw UsageError("internal: undeclared option " + name);
  return it->second;
}

int64_t Args::integer(const std::string& name) const {
  const std::string v = str(name);
  try {
    size_t used = 0;
    long long x = std::stoll(v, &used);
    if (used == v.size()) return x;
  } catch (const std::exception&) {
  }
  throw UsageError("--" + name + " expects an integer, got '" + v + "'");
}

double Args::number(const std::string& name) const {
  const std::string v = str(name);
  try {
    size_t used = 0;
    double x = std::stod(v, &used);
    if (used == v.size()) return x;
  } catch (const std::exception&) {
  }
  throw UsageError("--" + name + " expects a number, got '" + v + "'");
}

bool Args::is_set(const std::string& name) const {
  auto it = explicit_.find(name);
  return it != explicit_.end() && it->second;
}

void Args::set(const std::string& name, const std::string& value) {
  if (!specs_.count(name) || specs_.at(name).is_flag) throw UsageError("internal: set() of undeclared option " + name);
  values_[name] = value;
  explicit_[name] = true;
}

std::string Args::key_of(const std::string& name) const {
  std::string key = name;
  if (!keys_as_spelt_) std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

nlohmann::json Args::kept_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const std::string& name : order_) {
    const std::string key = key_of(name);
    switch (specs_.at(name).kept.type) {
      case Kept::Type::none: break;
      case Kept::Type::string: j[key] = str(name); break;
      case Kept::Type::integer: j[key] = integer(name); break;
      case Kept::Type::number: j[key] = number(name); break;
      case Kept::Type::boolean: j[key] = is_set(name); break;
    }
  }
  return j;
}

namespace {

// Whether a run.json value has a kept option's type; an integer must fit the int64 integer() returns.
bool of_type(const nlohmann::json& v, Kept::Type type) {
  switch (type) {
    case Kept::Type::string: return v.is_string();
    case Kept::Type::integer:
      return v.is_number_integer() &&
             !(v.is_number_unsigned() && v.get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()});
    case Kept::Type::number: return v.is_number();  // a non-finite number was written as null: refused
    case Kept::Type::boolean: return v.is_boolean();
    case Kept::Type::none: break;
  }
  return false;
}

}  // namespace

void Args::load_kept(const nlohmann::json& run_json, const std::string& where) {
  PONET_CHECK(run_json.is_object(), where, ": expected a JSON object of run options");
  for (const std::string& name : order_) {
    const Spec& spec = specs_.at(name);
    if (spec.kept.type == Kept::Type::none) continue;
    const std::string key = key_of(name);
    const auto it = run_json.find(key);
    if (it == run_json.end() && spec.kept.may_be_absent) {  // a run from before this option: its default
      values_[name] = spec.is_flag ? "0" : spec.kept.absent_value ? spec.kept.absent_value : spec.default_value;
      explicit_[name] = false;
      continue;
    }
    PONET_CHECK(it != run_json.end() && of_type(*it, spec.kept.type), where, ": missing or malformed \"", key, "\"");
    if (spec.is_flag) {
      values_[name] = it->get<bool>() ? "1" : "0";
      explicit_[name] = it->get<bool>();
    } else {
      // a number as JSON's own text for it, which reads back as the same double
      values_[name] = it->is_string() ? it->get<std::string>() : it->dump();
      explicit_[name] = true;
    }
  }
}

std::string Args::usage() const {
  std::ostringstream os;
  os << "usage: ponet " << command_;
  for (auto& [name, help] : positional_specs_) os << " <" << name << ">";
  os << " [options]\n\n" << summary_ << "\n\n";
  for (auto& [name, help] : positional_specs_) os << "  <" << name << ">\n      " << help << "\n";
  for (const std::string& name : order_) {
    const Spec& s = specs_.at(name);
    os << "  --" << name << (s.is_flag ? "" : " VALUE");
    if (!s.is_flag && !s.default_value.empty()) os << "  (default: " << s.default_value << ")";
    os << "\n      " << s.help << "\n";
  }
  return os.str();
}

void declare_training_run_options(Args& a) {
  a.option("device", "cpu", "cpu or cuda");
  a.option("threads", "0", "OpenMP threads (0: all cores)");
  a.option("time-limit", "0", "minutes after which training stops with a checkpoint (0: none)");
  a.option("stop-after", "0", "stop (with a checkpoint) after this many steps of this invocation (0: run to the end)");
  a.flag("resume", "continue the run in --out from its checkpoint (options come from its run.json)");
}

train::TrainerOptions trainer_options(const Args& a, const std::string& out) {
  train::TrainerOptions to;
  to.out_dir = out;
  to.steps = a.integer("steps");
  to.warmup_steps = a.integer("warmup");
  to.lr = static_cast<float>(a.number("lr"));
  to.weight_decay = static_cast<float>(a.number("weight-decay"));
  to.max_grad_norm = static_cast<float>(a.number("clip"));
  to.eval_every = a.integer("eval-every");
  to.log_every = a.integer("log-every");
  to.time_limit_minutes = a.number("time-limit");
  to.stop_after = a.integer("stop-after");
  to.quiet = a.is_set("quiet");
  return to;
}

void apply_threads_option(const Args& a) {
  const int64_t n = a.integer("threads");
  if (n < 0 || n > 4096) throw UsageError("--threads must be in [0, 4096] (0: all cores), got " + std::to_string(n));
  if (n > 0) omp_set_num_threads(static_cast<int>(n));
}

}  // namespace ponet::app

namespace ponet::app {

void declare_dataset_field_options(Args& a, Kept kept) {
  const data::DatasetFields d;
  a.option("text-field", d.text, "the JSONL field / CSV or TSV header column holding the text", kept);
  a.option("text-b-field", d.text_b, "... holding the optional second text of a pair", kept);
  a.option("label-field", d.label, "... holding the label (a string, integer or boolean)", kept);
}

data::DatasetFields dataset_fields(const Args& a) {
  return {a.str("text-field"), a.str("text-b-field"), a.str("label-field")};
}

}  // namespace ponet::app
