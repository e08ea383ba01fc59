#include "tests/ops_table/compare.h"

#include <cmath>
#include <sstream>

namespace ponet::ops_table {

Comparison compare(const std::vector<float>& actual, const std::vector<double>& expected, Tolerance tol) {
  Comparison c;
  if (actual.size() != expected.size()) {
    c.ok = false;
    c.max_abs = INFINITY;
    c.first_failure = "got " + std::to_string(actual.size()) + " values, expected " + std::to_string(expected.size());
    return c;
  }
  for (size_t i = 0; i < actual.size(); ++i) {
    const double e = expected[i], err = std::abs(static_cast<double>(actual[i]) - e);
    const bool finite = std::isfinite(err) && std::isfinite(e);
    if (!finite || err > c.max_abs) c.max_abs = finite ? err : INFINITY;
    if (c.ok && !(finite && err <= tol.atol + tol.rtol * std::abs(e))) {
      c.ok = false;
      std::ostringstream os;
      os << "element " << i << ": got " << actual[i] << ", expected " << e;
      c.first_failure = os.str();
    }
  }
  return c;
}

Comparison compare(const Tensor& actual, const Tensor& expected, Tolerance tol) {
  if (!actual.defined() || !expected.defined()) {
    Comparison c;
    c.ok = actual.defined() == expected.defined();
    if (!c.ok) c.first_failure = actual.defined() ? "expected no gradient, got one" : "no gradient where one was expected";
    return c;
  }
  if (actual.shape() != expected.shape()) {
    Comparison c;
    c.ok = false;
    c.max_abs = INFINITY;
    c.first_failure = "shape " + actual.shape_str() + ", expected " + expected.shape_str();
    return c;
  }
  std::vector<float> e = expected.to_vector();
  return compare(actual.to_vector(), std::vector<double>(e.begin(), e.end()), tol);
}

}  // namespace ponet::ops_table
