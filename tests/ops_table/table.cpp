#include "tests/ops_table/op_case.h"

namespace ponet::ops_table {

std::vector<OpCase>& table() {
  static std::vector<OpCase> rows;
  return rows;
}

AddRows::AddRows(std::vector<OpCase> rows) {
  for (OpCase& r : rows) table().push_back(std::move(r));
}

}  // namespace ponet::ops_table
