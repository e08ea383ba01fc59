// The op table: one row per op and case, every row runnable in four modes (tests/ops_table/main.cpp).
//
//   value   the op on the CPU against a naive reference written in double (the row's `reference`):
//           the output's shape exactly, its values within the row's value tolerance;
//   grad    finite-difference gradcheck (autograd/gradcheck.h) of every input that requires grad;
//   device  the same inputs on CUDA against the CPU, forward and every input gradient;
//   perf    time per call, forward and backward, on the CPU and on CUDA when there is a device, with
//           GB/s and GFLOP/s from the cost that the op's kernels declare to the profiler (the
//           PONET_KERNEL annotations in autograd/ops/: an op's cost is written there and nowhere else).
//
// Coverage is read off the table (`test_ops list`). A row names its op exactly as autograd/ops.h does, so
// `--filter gemm` or `--filter ponet_mixer` picks the rows of one op. Every comparison fails on NaN or
// Inf (compare.h), and each mode is shown to fail on a deliberately wrong kernel (selftest.cpp).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ponet::ops_table {

enum Mode : unsigned { kValue = 1, kGrad = 2, kDevice = 4, kPerf = 8, kAllModes = 15 };

// |actual - expected| <= atol + rtol * |expected| for every element.
struct Tolerance {
  double atol, rtol;
};

using Inputs = std::vector<Tensor>;

// What a row's reference says the op returns: the output's shape and its values in row-major order.
struct Expected {
  Shape shape;
  std::vector<double> values;
};

struct OpCase {
  std::string op;    // the op's name in autograd/ops.h
  std::string what;  // shapes and the layout or path this row reaches
  unsigned modes = kAllModes;
  // Fresh CPU inputs (seeded, so every call gives the same values). Float inputs that the gradcheck and
  // the device backward should cover have requires_grad set; int64 inputs (ids, masks) pass through.
  std::function<Inputs()> inputs;
  // The op under test. Views, strided layouts and per-call Rngs are made inside, so that the same
  // function runs on CPU inputs and on their CUDA copies.
  std::function<Tensor(const Inputs&)> run;
  // The expected output, computed in double from the CPU inputs without the op's kernels (no view of an
  // input is read through contiguous(): row_util.h reads views by their strides).
  std::function<Expected(const Inputs&)> reference;
  Tolerance value{1e-6, 1e-6};
  Tolerance grad{1e-3, 5e-3};
  float grad_eps = 1e-2f;
  Tolerance device{1e-5, 1e-5};  // CUDA vs CPU: different summation orders and fused multiply-adds
};

// The table, filled by the rows_*.cpp files at start-up.
std::vector<OpCase>& table();
struct AddRows {
  explicit AddRows(std::vector<OpCase> rows);
};

}  // namespace ponet::ops_table
