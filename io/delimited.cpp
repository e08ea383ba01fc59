#include "io/delimited.h"

#include "core/error.h"

namespace ponet::io {

DelimitedReader::DelimitedReader(std::istream& in, std::string name, char delimiter, bool quoting)
    : in_(in), name_(std::move(name)), delimiter_(delimiter), quoting_(quoting) {}

bool DelimitedReader::next(std::vector<std::string>& fields, int64_t& line) {
  std::string text;
  while (true) {
    if (!std::getline(in_, text)) return false;
    ++line_;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") != std::string::npos) break;
  }
  line = line_;
  fields.assign(1, std::string());
  if (!quoting_) {
    for (char c : text) {
      if (c == delimiter_) fields.emplace_back();
      else fields.back() += c;
    }
    return true;
  }
  // CSV: a small state machine over the record, reading further lines while inside quotes
  bool in_quotes = false, field_was_quoted = false;
  size_t i = 0;
  while (true) {
    if (i == text.size()) {
      if (!in_quotes) return true;
      std::string more;  // a newline inside a quoted field
      PONET_CHECK(std::getline(in_, more), name_, ":", line, ": a quoted field is not closed before the end of the file");
      ++line_;
      if (!more.empty() && more.back() == '\r') more.pop_back();
      fields.back() += '\n';
      text = more;
      i = 0;
      continue;
    }
    const char c = text[i++];
    if (in_quotes) {
      if (c != '"') {
        fields.back() += c;
      } else if (i < text.size() && text[i] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        in_quotes = false;
      }
    } else if (c == delimiter_) {
      fields.emplace_back();
      field_was_quoted = false;
    } else if (c == '"') {
      PONET_CHECK(fields.back().empty() && !field_was_quoted, name_, ":", line_,
                  ": a quote inside an unquoted field (RFC 4180 quotes the whole field: \"a \"\"b\"\" c\")");
      in_quotes = field_was_quoted = true;
    } else {
      PONET_CHECK(!field_was_quoted, name_, ":", line_, ": text after the closing quote of a field");
      fields.back() += c;
    }
  }
}

}  // namespace ponet::io
