// Delimited text records: CSV as RFC 4180 defines it (fields separated by commas, a field in double
// quotes may hold commas, newlines and "" for a quote; CRLF or LF line ends) and TSV (tab-separated, no
// quoting: a TSV field cannot hold a tab or newline). Errors name the file and the line a record starts on.
#pragma once
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace ponet::io {

class DelimitedReader {
 public:
  // `name` is used in error messages; quoting is on for CSV (delimiter ','), off for TSV ('\t').
  DelimitedReader(std::istream& in, std::string name, char delimiter, bool quoting);
  // The next record's fields; false at the end. `line` receives the line the record starts on. Blank
  // lines (only spaces/tabs, outside quotes) are skipped.
  bool next(std::vector<std::string>& fields, int64_t& line);

 private:
  std::istream& in_;
  std::string name_;
  char delimiter_;
  bool quoting_;
  int64_t line_ = 0;
};

}  // namespace ponet::io
