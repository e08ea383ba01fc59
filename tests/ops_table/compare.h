// Element-by-element comparison for the op table. NaN or Inf in the actual or expected values is a
// failure (a plain `err > tol` is false for NaN, and std::max drops NaN from a running maximum).
#pragma once
#include <string>
#include <vector>

#include "tests/ops_table/op_case.h"

namespace ponet::ops_table {

struct Comparison {
  bool ok = true;
  double max_abs = 0;  // largest |actual - expected| (infinite when a value is not finite)
  std::string first_failure;  // "element i: got a, expected e"
};

Comparison compare(const std::vector<float>& actual, const std::vector<double>& expected, Tolerance tol);
Comparison compare(const Tensor& actual, const Tensor& expected, Tolerance tol);  // shapes must match too

}  // namespace ponet::ops_table
