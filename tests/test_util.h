// Shared helpers for the op tests: random inputs, closeness checks that report the worst element,
// the gradcheck assertion, and the run-time skips (skip_test, skip_without_gpu; ctest reports a test
// case that skipped as Skipped through the runner's exit status, tests/main.cpp).
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "core/error.h"
#include "core/tensor.h"

namespace ponet::testing {

inline Tensor random_tensor(const Shape& shape, Rng& rng, bool requires_grad = false, float stddev = 1.f) {
  Tensor t = Tensor::randn(shape, rng, 0.f, stddev);
  t.set_requires_grad(requires_grad);
  return t;
}

// The larger of a running maximum error and a new one, where a NaN or Inf error makes the maximum
// infinite: std::max(worst, NaN) keeps `worst`, so a NaN result would pass any tolerance.
inline double worst_error(double worst, double err) {
  if (!std::isfinite(err)) return INFINITY;
  return err > worst ? err : worst;
}

inline double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double worst = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    double d = std::abs(static_cast<double>(a[i]) - b[i]);
    if (std::isnan(d)) return INFINITY;
    worst = std::max(worst, d);
  }
  return worst;
}

// Checks every element of `actual` against `expected` within atol + rtol * |expected|.
inline void check_close(const Tensor& actual, const std::vector<float>& expected, double atol = 1e-5,
                        double rtol = 1e-5) {
  std::vector<float> a = actual.to_vector();
  REQUIRE(a.size() == expected.size());
  for (size_t i = 0; i < a.size(); ++i) {
    bool ok = std::abs(static_cast<double>(a[i]) - expected[i]) <= atol + rtol * std::abs(expected[i]);
    if (!ok) {
      INFO("element ", i, ": got ", a[i], ", expected ", expected[i]);
      CHECK(ok);
      return;
    }
  }
}

inline void check_close(const Tensor& actual, const Tensor& expected, double atol = 1e-5, double rtol = 1e-5) {
  REQUIRE(actual.shape() == expected.shape());
  check_close(actual, expected.to_vector(), atol, rtol);
}

inline void check_gradients(const autograd::GradcheckFn& fn, const std::vector<Tensor>& inputs,
                            autograd::GradcheckOptions options = {}) {
  autograd::GradcheckResult r = autograd::gradcheck(fn, inputs, options);
  INFO("gradcheck: ", r.message, " (max abs error ", r.max_abs_error, ")");
  CHECK(r.ok);
}

// Marks the running test case as skipped, printing "SKIP: <reason>"; the caller then returns. Only for a
// test that cannot run on this machine (no device, a missing program): a skip is not a pass. Defined in
// tests/main.cpp, which turns a run whose every test case skipped into ctest's skip exit status.
void skip_test(const std::string& reason);

// Returns true (after skip_test) when no CUDA device can run the test. With PONET_REQUIRE_GPU set
// (scripts/gpu_check.sh on a lent GPU machine) a missing device fails the test instead: there a skip
// would hide that the CUDA side never ran.
inline bool skip_without_gpu() {
  if (cuda_available()) return false;
  const std::string build = cuda_compiled() ? "" : " (built without CUDA)";
  const char* require = std::getenv("PONET_REQUIRE_GPU");
  if (require && std::string(require) != "0") {
    FAIL("PONET_REQUIRE_GPU is set but no CUDA device is available", build);
    return true;
  }
  skip_test("no CUDA device" + build);
  return true;
}

}  // namespace ponet::testing
