#include "tests/ops_table/runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>

#include "autograd/grad_mode.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "core/memory_stats.h"
#include "tests/ops_table/compare.h"

namespace ponet::ops_table {

namespace {

RowResult failure(const std::string& what) {
  RowResult r;
  r.ok = false;
  r.max_error = INFINITY;
  r.detail = what;
  return r;
}

// The weights that seed backward: random, so that no gradient element can hide behind a zero.
Tensor backward_weights(const Tensor& y) {
  Rng rng(4321);
  return Tensor::randn(y.shape(), rng).to(y.device());
}

void note(RowResult& r, const Comparison& c, const std::string& what) {
  r.max_error = std::max(r.max_error, c.max_abs);  // c.max_abs is INFINITY for NaN, never NaN itself
  if (r.ok && !c.ok) {
    r.ok = false;
    r.detail = what + ": " + c.first_failure;
  }
}

template <class F>
RowResult guarded(F f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return failure(std::string("threw: ") + e.what());
  }
}

}  // namespace

RowResult run_value(const OpCase& row) {
  return guarded([&] {
    RowResult r;
    if (!row.reference) return failure("row has no reference");
    Inputs in = row.inputs();
    NoGrad no_grad;
    Tensor y = row.run(in);
    note(r, compare(y.to_vector(), row.reference(in), row.value), "forward");
    return r;
  });
}

RowResult run_grad(const OpCase& row) {
  return guarded([&] {
    Inputs in = row.inputs();
    bool any = false;
    for (const Tensor& t : in) any = any || (t.defined() && t.requires_grad());
    if (!any) return failure("row has no input that requires grad");
    autograd::GradcheckOptions opt;
    opt.eps = row.grad_eps;
    opt.atol = row.grad.atol;
    opt.rtol = row.grad.rtol;
    autograd::GradcheckResult g = autograd::gradcheck(row.run, in, opt);
    RowResult r;
    r.ok = g.ok;
    r.max_error = g.max_abs_error;
    if (!g.ok) r.detail = g.message;
    return r;
  });
}

RowResult run_device(const OpCase& row, Device target) {
  return guarded([&] {
    RowResult r;
    Inputs cpu_in = row.inputs(), dev_in;
    for (const Tensor& t : cpu_in) {
      if (!t.defined()) {  // an optional input left out
        dev_in.push_back(t);
        continue;
      }
      Tensor d = t.detach().to(target);
      if (target == t.device()) d = t.detach().clone();  // a separate leaf even when the target is the CPU
      if (t.requires_grad()) d.set_requires_grad(true);
      dev_in.push_back(d);
    }
    Tensor y_cpu = row.run(cpu_in), y_dev = row.run(dev_in);
    if (y_dev.device() != target) return failure("output on " + y_dev.device().str() + ", expected " + target.str());
    note(r, compare(y_dev, y_cpu, row.device), "forward");
    if (y_cpu.requires_grad()) {
      Tensor w = backward_weights(y_cpu);
      y_cpu.backward(w);
      y_dev.backward(w.to(target));
      for (size_t i = 0; i < cpu_in.size(); ++i)
        if (cpu_in[i].defined() && cpu_in[i].requires_grad())
          note(r, compare(dev_in[i].grad(), cpu_in[i].grad(), row.device), "gradient of input " + std::to_string(i));
      // Deterministic on the device: a second forward and backward give the same bits (no atomics, no
      // order that depends on scheduling).
      std::vector<Tensor> first_grads;
      for (Tensor& t : dev_in)
        if (t.defined() && t.requires_grad()) {
          first_grads.push_back(t.grad());
          t.zero_grad();
        }
      Tensor again = row.run(dev_in);
      note(r, compare(again, y_dev, {0, 0}), "second device forward");
      again.backward(w.to(target));
      size_t g = 0;
      for (Tensor& t : dev_in)
        if (t.defined() && t.requires_grad()) note(r, compare(t.grad(), first_grads[g++], {0, 0}), "second device backward");
    }
    return r;
  });
}

RowResult run_perf(const OpCase& row, int repeats) {
  return guarded([&] {
    using Clock = std::chrono::steady_clock;
    // Checked first: a fast wrong kernel is not a result.
    RowResult r = run_value(row);
    if (!r.ok) return r;
    Inputs in = row.inputs();
    Tensor w;  // the backward seed, made once outside the timed region
    {
      NoGrad no_grad;
      w = backward_weights(row.run(in));
    }
    auto time_ms = [&](bool with_backward) {
      std::vector<double> ms;
      for (int i = 0; i < repeats + 1; ++i) {  // the first call warms caches and the allocator
        for (const Tensor& t : in)
          if (t.defined() && t.requires_grad()) t.zero_grad();
        const auto t0 = Clock::now();
        Tensor y = row.run(in);
        if (with_backward && y.requires_grad()) y.backward(w);
        cuda_synchronize();
        if (i > 0) ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
      std::sort(ms.begin(), ms.end());
      return ms[ms.size() / 2];
    };
    const double fwd = [&] {
      NoGrad no_grad;
      return time_ms(false);
    }();
    const double both = time_ms(true);
    double bytes = 0;
    for (const Tensor& t : in)
      if (t.defined()) bytes += static_cast<double>(t.numel()) * dtype_size(t.dtype());
    {
      NoGrad no_grad;
      Tensor y = row.run(in);
      bytes += static_cast<double>(y.numel()) * dtype_size(y.dtype());
    }
    char buf[200];
    std::snprintf(buf, sizeof buf, "forward %.3f ms (%.2f GB/s%s), forward+backward %.3f ms", fwd, bytes / fwd / 1e6,
                  row.flops > 0 ? (", " + std::to_string(row.flops / fwd / 1e6).substr(0, 6) + " GFLOP/s").c_str() : "",
                  both);
    r.detail = buf;
    return r;
  });
}

}  // namespace ponet::ops_table
