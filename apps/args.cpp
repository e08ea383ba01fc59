#include "apps/args.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <sstream>

#include "core/error.h"

namespace ponet::app {

void Args::option(const std::string& name, const std::string& default_value, const std::string& help,
                  RecordedAs recorded) {
  if (recorded == RecordedAs::boolean) throw UsageError("internal: option --" + name + " recorded as a bool (a flag?)");
  if (specs_.count(name)) throw UsageError("internal: option --" + name + " declared twice");
  order_.push_back(name);
  specs_[name] = {default_value, help, false, recorded};
  values_[name] = default_value;
}

void Args::flag(const std::string& name, const std::string& help, RecordedAs recorded) {
  if (recorded != RecordedAs::none && recorded != RecordedAs::boolean)
    throw UsageError("internal: flag --" + name + " can only be recorded as a bool");
  if (specs_.count(name)) throw UsageError("internal: flag --" + name + " declared twice");
  order_.push_back(name);
  specs_[name] = {"", help, true, recorded};
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
  recorded_json();  // a recorded option that is not of its type fails now, before any work
  return true;
}

bool Args::declares(const std::string& name) const { return specs_.count(name) > 0; }

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

namespace {

std::string key_of(const std::string& name) {
  std::string key = name;
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

// Whether a run.json value has a recorded option's type; an integer must fit the int64 integer() returns.
bool of_type(const nlohmann::json& v, RecordedAs type) {
  switch (type) {
    case RecordedAs::string: return v.is_string();
    case RecordedAs::integer:
      return v.is_number_integer() &&
             !(v.is_number_unsigned() && v.get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()});
    case RecordedAs::number: return v.is_number();  // a non-finite number was written as null: refused
    case RecordedAs::boolean: return v.is_boolean();
    case RecordedAs::none: break;
  }
  return false;
}

}  // namespace

nlohmann::json Args::recorded_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const std::string& name : order_) {
    const std::string key = key_of(name);
    switch (specs_.at(name).recorded) {
      case RecordedAs::none: break;
      case RecordedAs::string: j[key] = str(name); break;
      case RecordedAs::integer: j[key] = integer(name); break;
      case RecordedAs::number: j[key] = number(name); break;
      case RecordedAs::boolean: j[key] = is_set(name); break;
    }
  }
  return j;
}

void Args::load_recorded(const nlohmann::json& run_json, const std::string& where) {
  PONET_CHECK(run_json.is_object(), where, ": expected a JSON object of run options");
  for (const std::string& name : order_) {
    const Spec& spec = specs_.at(name);
    if (spec.recorded == RecordedAs::none) continue;
    const std::string key = key_of(name);
    const auto it = run_json.find(key);
    PONET_CHECK(it != run_json.end() && of_type(*it, spec.recorded), where, ": missing or malformed \"", key, "\"");
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

}  // namespace ponet::app
