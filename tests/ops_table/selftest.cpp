#include "tests/ops_table/selftest.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "tests/ops_table/row_util.h"
#include "tests/ops_table/runner.h"

namespace ponet::ops_table {
namespace {

double gelu_ref(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

OpCase gelu_row(std::function<Tensor(const Inputs&)> run) {
  return {"gelu", "[4, 7]", kAllModes, [] { return Inputs{uniform_input({4, 7}, 1, -3.f, 3.f)}; }, std::move(run),
          [](const Inputs& in) { return map(in[0], gelu_ref); }};
}

// y = 2 x whose backward multiplies by `factor` instead of 2.
Tensor doubled_with_backward(const Tensor& x, float factor) {
  Tensor y = scale(x.detach(), 2.f);
  return autograd::record("selftest_doubled", y, {x}, [factor](const Tensor& g) { return std::vector<Tensor>{scale(g, factor)}; });
}

OpCase doubled_row(float backward_factor) {
  return {"selftest_doubled", "[3, 5]", kAllModes, [] { return Inputs{uniform_input({3, 5}, 2)}; },
          [backward_factor](const Inputs& in) { return doubled_with_backward(in[0], backward_factor); },
          [](const Inputs& in) { return map(in[0], [](double x) { return 2 * x; }); }};
}

int failures = 0;
void expect(bool passed, bool should_pass, const char* what, const RowResult& r) {
  const bool behaved = passed == should_pass;
  if (!behaved) ++failures;
  std::printf("%s  %-62s %s%s%s\n", behaved ? "ok  " : "FAIL", what, should_pass ? "passes" : "fails",
              behaved ? "" : " (it did not)", r.detail.empty() ? "" : (" [" + r.detail + "]").c_str());
}

}  // namespace

int run_selftest() {
  failures = 0;
  auto gelu_plain = [](const Inputs& in) { return gelu(in[0]); };
  RowResult r;
  // value
  r = run_value(gelu_row(gelu_plain));
  expect(r.ok, true, "value: the right gelu", r);
  r = run_value(gelu_row([](const Inputs& in) { return scale(gelu(in[0]), 1.0001f); }));
  expect(r.ok, false, "value: gelu 1e-4 relative too large", r);
  r = run_value(gelu_row([](const Inputs& in) { return mul(gelu(in[0]), Tensor::scalar(NAN)); }));
  expect(r.ok, false, "value: gelu returning NaN", r);
  r = run_value(gelu_row([](const Inputs& in) { return reshape(gelu(in[0]), {7, 4}); }));
  expect(r.ok, false, "value: the right values in the wrong shape [7, 4]", r);
  // grad
  r = run_grad(doubled_row(2.f));
  expect(r.ok, true, "grad: the right backward", r);
  r = run_grad(doubled_row(2.02f));
  expect(r.ok, false, "grad: a backward 1 % too large", r);
  r = run_grad(doubled_row(NAN));
  expect(r.ok, false, "grad: a NaN backward", r);
  // device: the second run of the row (the "device" run, here on the CPU) is made to differ
  r = run_device(gelu_row(gelu_plain), Device::cpu());
  expect(r.ok, true, "device: the same kernel on both sides", r);
  auto calls = std::make_shared<int>(0);
  r = run_device(gelu_row([calls](const Inputs& in) { return ++*calls == 2 ? add_scalar(gelu(in[0]), 1e-4f) : gelu(in[0]); }),
                 Device::cpu());
  expect(r.ok, false, "device: forward off by 1e-4 on the device side", r);
  *calls = 0;
  OpCase wrong_backward = doubled_row(2.f);
  wrong_backward.run = [calls](const Inputs& in) { return doubled_with_backward(in[0], ++*calls == 2 ? 2.001f : 2.f); };
  r = run_device(wrong_backward, Device::cpu());
  expect(r.ok, false, "device: backward 0.05 % off on the device side", r);
  *calls = 0;
  wrong_backward.run = [calls](const Inputs& in) { return doubled_with_backward(in[0], ++*calls == 2 ? NAN : 2.f); };
  r = run_device(wrong_backward, Device::cpu());
  expect(r.ok, false, "device: NaN gradient on the device side", r);
  // perf refuses to time a wrong kernel, and takes its bytes from the cost the kernel declares
  r = run_perf(gelu_row([](const Inputs& in) { return scale(gelu(in[0]), 1.0001f); }), Device::cpu(), 1, 0);
  expect(r.ok, false, "perf: a wrong gelu is not timed", r);
  r = run_perf(gelu_row(gelu_plain), Device::cpu(), 1, 0);
  expect(r.ok && r.detail.find("GB/s") != std::string::npos, true, "perf: the right gelu, with its declared cost", r);
  std::printf("selftest: %d of 13 checks misbehaved\n", failures);
  return failures;
}

}  // namespace ponet::ops_table
