#include "core/profiler.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "core/memory_stats.h"
#include "core/profiler_cuda.h"

namespace ponet::profiler {

namespace detail {
std::atomic<bool> g_enabled{false};
}

namespace {

using Clock = std::chrono::steady_clock;

struct PendingEvent {
  Record* row;
  int slot;
};

struct State {
  std::mutex mutex;
  std::map<std::pair<std::string, Phase>, Record> tables[2];  // indexed by Table
  std::vector<PendingEvent> pending;                          // CUDA timings not read yet
  int64_t generation = 0;                                     // bumped by reset(): live scopes drop out
  int64_t steps = 0;
  double step_s = 0;
  Clock::time_point step_start;
};

State& state() {
  static State* s = new State();  // never destroyed: scopes may end during static destruction
  return *s;
}

thread_local Phase t_phase = Phase::Forward;
thread_local int t_kernel_depth = 0;  // > 1 inside a nested dispatch

// Caller holds the mutex.
void resolve_pending(State& s) {
#ifdef PONET_WITH_CUDA
  for (const PendingEvent& p : s.pending) p.row->total_s += detail::cuda_timer_seconds(p.slot);
#endif
  s.pending.clear();
}

std::vector<Record> sorted_rows(const std::map<std::pair<std::string, Phase>, Record>& table) {
  std::vector<Record> rows;
  for (const auto& [key, r] : table) rows.push_back(r);
  std::stable_sort(rows.begin(), rows.end(), [](const Record& a, const Record& b) { return a.total_s > b.total_s; });
  return rows;
}

}  // namespace

const char* phase_name(Phase phase) {
  switch (phase) {
    case Phase::Forward:
      return "forward";
    case Phase::Backward:
      return "backward";
    case Phase::Optimizer:
      return "optimizer";
  }
  return "?";
}

void set_enabled(bool on) { detail::g_enabled.store(on, std::memory_order_relaxed); }

void reset() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  resolve_pending(s);  // frees the event slots
  for (auto& t : s.tables) t.clear();
  s.steps = 0;
  s.step_s = 0;
  ++s.generation;
}

Phase current_phase() { return t_phase; }

PhaseScope::PhaseScope(Phase phase) : previous_(t_phase) { t_phase = phase; }
PhaseScope::~PhaseScope() { t_phase = previous_; }

Scope::Scope(Table table, Device device, const std::string& name, Cost cost) : table_(table) {
  if (table == Table::Kernels && t_kernel_depth++ > 0) return;  // counted in the enclosing kernel
  try {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    Record& r = s.tables[static_cast<int>(table)][{name, t_phase}];
    if (r.calls == 0) {
      r.name = name;
      r.phase = t_phase;
    }
    ++r.calls;
    r.bytes += cost.bytes;
    r.flops += cost.flops;
    row_ = &r;
    generation_ = s.generation;
    cuda_ = device.is_cuda();
#ifdef PONET_WITH_CUDA
    if (cuda_) {
      cuda_slot_ = detail::cuda_timer_start();
      return;
    }
#endif
  } catch (...) {
    if (table == Table::Kernels) --t_kernel_depth;
    throw;
  }
  start_ = Clock::now();
}

Scope::~Scope() {
  const Clock::time_point end = Clock::now();
  if (table_ == Table::Kernels) --t_kernel_depth;
  if (!row_) return;
  State& s = state();
  try {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (generation_ != s.generation) {  // reset() ran meanwhile: the row is gone
#ifdef PONET_WITH_CUDA
      if (cuda_) {  // still give the event slot back
        detail::cuda_timer_stop(cuda_slot_);
        detail::cuda_timer_seconds(cuda_slot_);
      }
#endif
      return;
    }
#ifdef PONET_WITH_CUDA
    if (cuda_) {
      detail::cuda_timer_stop(cuda_slot_);
      s.pending.push_back({row_, cuda_slot_});
      return;
    }
#endif
    row_->total_s += std::chrono::duration<double>(end - start_).count();
  } catch (...) {
    // a failing event record must not terminate the program from a destructor; the call stays untimed
  }
}

void begin_step(Device device) {
  if (device.is_cuda()) cuda_synchronize();
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.step_start = Clock::now();
}

void end_step(Device device) {
  if (device.is_cuda()) cuda_synchronize();
  const Clock::time_point end = Clock::now();
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  resolve_pending(s);
  s.step_s += std::chrono::duration<double>(end - s.step_start).count();
  ++s.steps;
}

Summary summary() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  resolve_pending(s);
  Summary out;
  out.kernels = sorted_rows(s.tables[static_cast<int>(Table::Kernels)]);
  out.backward_nodes = sorted_rows(s.tables[static_cast<int>(Table::BackwardNodes)]);
  out.steps = s.steps;
  out.step_s = s.step_s;
  for (const Record& r : out.kernels) out.kernel_s += r.total_s;
  return out;
}

}  // namespace ponet::profiler
