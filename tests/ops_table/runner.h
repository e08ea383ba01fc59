// Runs one op-table row in one mode and says what it measured.
#pragma once
#include <string>

#include "core/device.h"
#include "tests/ops_table/op_case.h"

namespace ponet::ops_table {

struct RowResult {
  bool ok = true;
  bool skipped = false;
  double max_error = 0;  // the worst absolute error over everything the mode compared
  std::string detail;    // the first failure, or perf figures
};

RowResult run_value(const OpCase& row);
RowResult run_grad(const OpCase& row);
// The row's inputs copied to `target`, forward and backward there, compared with the CPU run. The mode
// targets CUDA; the self-test points it at the CPU to show that a mismatch is caught.
RowResult run_device(const OpCase& row, Device target);
RowResult run_perf(const OpCase& row, int repeats);

}  // namespace ponet::ops_table
