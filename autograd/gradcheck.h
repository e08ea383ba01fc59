// Finite-difference check of an op's backward, used by every op test.
//
// The function's output y is reduced to a scalar s = sum_i w_i y_i with fixed random weights w (so
// every output element matters and errors cannot cancel). The analytic gradient comes from one
// backward pass seeded with w; the numeric one from central differences (s(x+eps) - s(x-eps)) / 2eps
// with s accumulated in double. Inputs are float32 CPU tensors; int64 inputs are passed through.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ponet::autograd {

struct GradcheckOptions {
  float eps = 1e-2f;   // float32 storage: a larger step keeps rounding noise below the signal
  // |analytic - numeric| <= atol + rtol * |numeric|; NaN or Inf on either side fails. With eps 1e-2 the
  // central difference is within about 1e-4 relative for smooth ops and float rounding adds about
  // 1e-5 absolute, so these defaults catch a backward that is 1 % wrong (2e-2 let 2 % through).
  double atol = 1e-3;
  double rtol = 5e-3;
  uint64_t seed = 1234;
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0.0;
  std::string message;  // first failure: input, element, both values
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Checks d/d(inputs[i]) for every float input with requires_grad set.
GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

}  // namespace ponet::autograd
