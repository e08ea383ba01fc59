#include "io/json_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace ponet::io {

namespace {

// The shortest digits that read back as x (std::to_chars), laid out as nlohmann lays them out: plain
// decimals from 1e-4 up to 1e15 (0.0005, 250.0), scientific notation outside (1e-05, 1e+22).
void write_number(double x, std::string& out) {
  if (!std::isfinite(x)) {
    out += "null";
    return;
  }
  char buf[400];  // fixed notation of the largest value below 1e15, with room to spare
  std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  const char* e = std::find(buf, r.ptr, 'e');  // always there: d.ddde+XX
  int exponent = 0;
  std::from_chars(e + (e[1] == '+' ? 2 : 1), r.ptr, exponent);
  if (exponent >= -4 && exponent <= 14) {
    r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed);
    if (std::find(buf, r.ptr, '.') == r.ptr) {  // a whole number: still a float when read back (1.0)
      *r.ptr++ = '.';
      *r.ptr++ = '0';
    }
  }
  out.append(buf, r.ptr);
}

void write(const nlohmann::json& v, int indent, int depth, std::string& out) {
  const bool pretty = indent >= 0;
  auto newline = [&](int level) {
    if (pretty) out += '\n' + std::string(static_cast<size_t>(indent) * level, ' ');
  };
  switch (v.type()) {
    case nlohmann::json::value_t::object: {
      if (v.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ',';
        first = false;
        newline(depth + 1);
        out += nlohmann::json(it.key()).dump();
        out += pretty ? ": " : ":";
        write(it.value(), indent, depth + 1, out);
      }
      newline(depth);
      out += '}';
      return;
    }
    case nlohmann::json::value_t::array: {
      if (v.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) out += ',';
        newline(depth + 1);
        write(v[i], indent, depth + 1, out);
      }
      newline(depth);
      out += ']';
      return;
    }
    case nlohmann::json::value_t::number_float: write_number(v.get<double>(), out); return;
    default: out += v.dump(); return;  // null, bool, integers, strings (escaped by nlohmann)
  }
}

}  // namespace

std::string json_text(const nlohmann::json& value, int indent) {
  std::string out;
  write(value, indent, 0, out);
  return out;
}

double json_float(float x) {
  if (!std::isfinite(x)) return x;
  char buf[64];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf - 1, x);  // the float's shortest decimal
  *r.ptr = '\0';
  return std::strtod(buf, nullptr);
}

}  // namespace ponet::io
