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
#include "core/profiler.h"
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

// The output's shape must be the reference's exactly; then its values within `tol`.
void check_expected(RowResult& r, const Tensor& y, const Expected& e, Tolerance tol) {
  if (y.shape() != e.shape) {
    note(r, Comparison{false, INFINITY, "shape " + y.shape_str() + ", expected " + shape_str(e.shape)}, "forward");
    return;
  }
  note(r, compare(y.to_vector(), e.values, tol), "forward");
}

// Copies of the row's CPU inputs on `target`, each a leaf of its own that requires grad where the CPU
// input does (int64 inputs and left-out optional inputs pass through).
Inputs inputs_on(const Inputs& cpu_in, Device target) {
  Inputs out;
  for (const Tensor& t : cpu_in) {
    if (!t.defined()) {
      out.push_back(t);
      continue;
    }
    Tensor d = target == t.device() ? t.detach().clone() : t.detach().to(target);
    if (t.requires_grad()) d.set_requires_grad(true);
    out.push_back(d);
  }
  return out;
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
    check_expected(r, y, row.reference(in), row.value);
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
    Inputs cpu_in = row.inputs(), dev_in = inputs_on(cpu_in, target);
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

namespace {

using Clock = std::chrono::steady_clock;

void sync(Device device) {
  if (device.is_cuda()) cuda_synchronize();
}

// The bytes and FLOPs that the kernels of `phase` declare to the profiler (their PONET_KERNEL cost)
// while `f` runs once.
struct DeclaredCost {
  double bytes = 0, flops = 0;
  int kernels = 0;
};
template <class F>
DeclaredCost declared_cost(profiler::Phase phase, Device device, F f) {
  profiler::reset();
  profiler::set_enabled(true);
  f();
  sync(device);
  const profiler::Summary s = profiler::summary();
  profiler::set_enabled(false);
  profiler::reset();
  DeclaredCost c;
  for (const profiler::Record& rec : s.kernels)
    if (rec.phase == phase) {
      c.bytes += static_cast<double>(rec.bytes);
      c.flops += static_cast<double>(rec.flops);
      c.kernels += static_cast<int>(rec.calls);
    }
  return c;
}

// The median over `repeats` calls of `timed` (after one untimed warm-up), each preceded by `prepare`.
template <class P, class T>
double median_ms(int repeats, Device device, P prepare, T timed) {
  std::vector<double> ms;
  for (int i = 0; i < repeats + 1; ++i) {
    prepare();
    sync(device);
    const auto t0 = Clock::now();
    timed();
    sync(device);
    if (i > 0) ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

std::string figures(const char* what, double ms, const DeclaredCost& c, double copy_gbs) {
  char buf[160];
  if (c.kernels == 0) {
    std::snprintf(buf, sizeof buf, "%s %.3f ms (no kernel)", what, ms);
    return buf;
  }
  const double gbs = c.bytes / ms / 1e6;
  int n = std::snprintf(buf, sizeof buf, "%s %.3f ms %.1f GB/s", what, ms, gbs);
  if (copy_gbs > 0) n += std::snprintf(buf + n, sizeof buf - n, " (%.0f%% of copy)", 100 * gbs / copy_gbs);
  if (c.flops > 0) std::snprintf(buf + n, sizeof buf - n, " %.2f GFLOP/s", c.flops / ms / 1e6);
  return buf;
}

}  // namespace

double copy_bandwidth_gbs(Device device) {
  NoGrad no_grad;
  Tensor x = Tensor::zeros({16 << 20}, DType::F32, device);  // 64 MiB, beyond the caches
  Tensor y;
  const double ms = median_ms(5, device, [] {}, [&] { y = x.clone(); });
  return 2.0 * 4 * static_cast<double>(x.numel()) / ms / 1e6;
}

RowResult run_perf(const OpCase& row, Device device, int repeats, double copy_gbs) {
  return guarded([&] {
    // Checked first, on the device it will time: a fast wrong kernel is not a result.
    RowResult r;
    if (!row.reference) return failure("row has no reference");
    Inputs cpu_in = row.inputs(), in = inputs_on(cpu_in, device);
    Tensor w;  // the backward seed, made once outside the timed region
    bool differentiable = false;
    {
      NoGrad no_grad;
      Tensor y = row.run(in);
      const Tolerance tol = device.is_cpu() ? row.value
                                            : Tolerance{row.value.atol + row.device.atol, row.value.rtol + row.device.rtol};
      check_expected(r, y, row.reference(cpu_in), tol);
      if (!r.ok) return r;
      w = backward_weights(y).to(device);
    }
    for (const Tensor& t : in) differentiable = differentiable || (t.defined() && t.requires_grad());
    const DeclaredCost fwd_cost = declared_cost(profiler::Phase::Forward, device, [&] {
      NoGrad no_grad;
      row.run(in);
    });
    reset_peak_memory(device);
    const size_t before = memory_stats(device).in_use;
    const double fwd_ms = median_ms(repeats, device, [] {}, [&] {
      NoGrad no_grad;
      row.run(in);
    });
    const double alloc_mib = static_cast<double>(memory_stats(device).peak - before) / (1 << 20);
    r.detail = device.str() + ": " + figures("forward", fwd_ms, fwd_cost, copy_gbs);
    char buf[40];
    std::snprintf(buf, sizeof buf, ", alloc %.1f MiB", alloc_mib);
    r.detail += buf;
    if (differentiable) {
      auto zero_grads = [&] {
        for (const Tensor& t : in)
          if (t.defined() && t.requires_grad()) t.zero_grad();
      };
      Tensor y;
      const DeclaredCost bwd_cost = declared_cost(profiler::Phase::Backward, device, [&] {
        zero_grads();
        row.run(in).backward(w);
      });
      const double bwd_ms = median_ms(repeats, device, [&] {
        zero_grads();
        y = row.run(in);
      }, [&] { y.backward(w); });
      r.detail += "; " + figures("backward", bwd_ms, bwd_cost, copy_gbs);
    }
    return r;
  });
}

}  // namespace ponet::ops_table
