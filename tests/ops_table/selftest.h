// The test of the op table's tests: every mode must fail on a deliberately wrong kernel (and pass on
// the right one), or a passing table would prove nothing. Returns the number of checks that did not
// behave; prints one line per check.
#pragma once

namespace ponet::ops_table {

int run_selftest();

}  // namespace ponet::ops_table
