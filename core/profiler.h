// The kernel profiler behind `ponet profile`: every kernel launched through PONET_KERNEL (core/dispatch.h)
// is timed and charged to a row keyed by (kernel name, phase), with the bytes and FLOPs its call site
// declares. Off by default; then PONET_KERNEL costs one predictable branch on a global flag and nothing
// else (no clock, no string, the cost expression is not even evaluated).
//
// Timing: CPU kernels with steady_clock around the call. CUDA kernels with a pair of events recorded on
// the default stream around the launch; the events are read only by end_step() or summary(), so
// profiling never synchronises per kernel. A kernel launched from inside another timed kernel (a
// nested dispatch) is counted in its caller only.
//
// Phases: forward by default; autograd::backward() runs under Phase::Backward and AdamW::step() under
// Phase::Optimizer (PhaseScope, per thread). The engine also times each autograd node's backward closure
// (kernels, allocation and glue together) into a second table, keyed by the node's name.
//
// Cost convention (what the bytes and FLOPs columns mean):
//   bytes: the compulsory traffic of one launch: every input array read once plus every output array
//          written once (float32 4 B, int64 8 B), whatever the kernel really re-reads through the caches.
//          Achieved GB/s = these bytes / time, so it is a lower bound of the memory traffic.
//   flops: GEMM 2*M*N*K; other kernels a stated count of arithmetic operations per element of their
//          formula: add, sub, mul, div and one exp/log/erf/sqrt/tanh each count 1; max, comparisons,
//          selects, copies and gathers count 0. Each call site states its per-element count.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/device.h"

namespace ponet::profiler {

enum class Phase { Forward, Backward, Optimizer };
const char* phase_name(Phase phase);  // "forward", "backward", "optimizer"

// What one launch moves and computes (see the convention above).
struct Cost {
  int64_t bytes = 0;
  int64_t flops = 0;
};
constexpr int64_t kF32 = 4, kI64 = 8;  // bytes per element
// Written as functions so a cost is one macro argument (a braced {a, b} would be split at its comma).
constexpr Cost cost(int64_t bytes, int64_t flops) { return {bytes, flops}; }
// n elements: `reads` float32 inputs and `writes` float32 outputs of n each, flops_per_element each.
constexpr Cost elementwise_cost(int64_t n, int64_t reads, int64_t writes, int64_t flops_per_element) {
  return {kF32 * n * (reads + writes), flops_per_element * n};
}
// C[M,N] = op(A)[M,K] op(B)[K,N] (+ C when accumulating): A, B (and C) read, C written; 2MNK FLOPs.
constexpr Cost gemm_cost(int64_t M, int64_t N, int64_t K, bool accumulate) {
  return {kF32 * (M * K + K * N + M * N * (accumulate ? 2 : 1)), 2 * M * N * K};
}

namespace detail {
extern std::atomic<bool> g_enabled;
}
inline bool enabled() { return detail::g_enabled.load(std::memory_order_relaxed); }
void set_enabled(bool on);
// Drops every row and step (and waits for and forgets pending CUDA events).
void reset();

Phase current_phase();
// Sets this thread's phase for its lifetime and restores the previous one.
class PhaseScope {
 public:
  explicit PhaseScope(Phase phase);
  ~PhaseScope();
  PhaseScope(const PhaseScope&) = delete;
  PhaseScope& operator=(const PhaseScope&) = delete;

 private:
  Phase previous_;
};

// One row of a table: totals over every call since the last reset().
struct Record {
  std::string name;
  Phase phase = Phase::Forward;
  int64_t calls = 0;
  double total_s = 0;
  int64_t bytes = 0, flops = 0;
};

enum class Table { Kernels, BackwardNodes };

// Times its own lifetime on `device` into the row (name, current phase) of `table`, adding one call and
// `cost`. Construct it only when enabled() (PONET_KERNEL does).
class Scope {
 public:
  Scope(Table table, Device device, const std::string& name, Cost cost);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Record* row_ = nullptr;  // null: a nested kernel, not recorded
  Table table_;
  bool cuda_ = false;
  int cuda_slot_ = -1;
  int64_t generation_ = 0;  // reset() in between drops the call
  std::chrono::steady_clock::time_point start_;
};

// Step boundaries (the profile command calls them around each measured step). begin_step waits for the
// device, end_step waits again, reads the step's CUDA events and adds the step's wall time.
void begin_step(Device device);
void end_step(Device device);

struct Summary {
  std::vector<Record> kernels;         // sorted by total time, largest first
  std::vector<Record> backward_nodes;  // the same for the autograd nodes' backward closures
  int64_t steps = 0;
  double step_s = 0;    // wall time of the steps, summed
  double kernel_s = 0;  // sum of the kernel rows' time
};
// Resolves pending CUDA events (waiting for them) and returns the tables.
Summary summary();

}  // namespace ponet::profiler
