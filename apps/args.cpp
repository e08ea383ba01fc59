#include "apps/args.h"

#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace ponet::app {

void Args::option(const std::string& name, const std::string& default_value, const std::string& help) {
  order_.push_back(name);
  specs_[name] = {default_value, help, false};
  values_[name] = default_value;
}

void Args::flag(const std::string& name, const std::string& help) {
  order_.push_back(name);
  specs_[name] = {"", help, true};
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

void apply_threads_option(const Args& a) {
  const int64_t n = a.integer("threads");
  if (n < 0 || n > 4096) throw UsageError("--threads must be in [0, 4096] (0: all cores), got " + std::to_string(n));
  if (n > 0) omp_set_num_threads(static_cast<int>(n));
}

}  // namespace ponet::app
