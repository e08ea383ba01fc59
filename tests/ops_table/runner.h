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
// The row on `device`: its value checked first, then the median time of `repeats` forwards and of as
// many backwards, with the bytes and FLOPs the op's kernels declare to the profiler (core/profiler.h)
// turned into GB/s (and a share of `copy_gbs` when that is > 0) and GFLOP/s. Times are reported, never
// judged: a row fails only on a wrong value or an exception.
RowResult run_perf(const OpCase& row, Device device, int repeats, double copy_gbs);
// The device's copy bandwidth: the median of 5 clones of 64 MiB, read + write.
double copy_bandwidth_gbs(Device device);

}  // namespace ponet::ops_table
