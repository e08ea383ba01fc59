#include <vector>

#include "core/profiler_cuda.h"
#include "core/cuda_check.cuh"

namespace ponet::profiler::detail {

namespace {

// Events are created once and reused: creating one per kernel would cost more than many kernels.
// The profiler's own mutex serialises every call here.
struct EventPool {
  std::vector<cudaEvent_t> start, stop;
  std::vector<int> free_slots;
};

EventPool& pool() {
  static EventPool* p = new EventPool();  // never destroyed: a static destructor must not call CUDA
  return *p;
}

}  // namespace

int cuda_timer_start() {
  EventPool& p = pool();
  int slot;
  if (!p.free_slots.empty()) {
    slot = p.free_slots.back();
    p.free_slots.pop_back();
  } else {
    slot = static_cast<int>(p.start.size());
    p.start.emplace_back();
    p.stop.emplace_back();
    PONET_CUDA_CHECK(cudaEventCreate(&p.start[slot]));
    PONET_CUDA_CHECK(cudaEventCreate(&p.stop[slot]));
  }
  PONET_CUDA_CHECK(cudaEventRecord(p.start[slot], 0));
  return slot;
}

void cuda_timer_stop(int slot) { PONET_CUDA_CHECK(cudaEventRecord(pool().stop[slot], 0)); }

double cuda_timer_seconds(int slot) {
  EventPool& p = pool();
  PONET_CUDA_CHECK(cudaEventSynchronize(p.stop[slot]));
  float ms = 0.f;
  PONET_CUDA_CHECK(cudaEventElapsedTime(&ms, p.start[slot], p.stop[slot]));
  p.free_slots.push_back(slot);
  return 1e-3 * ms;
}

}  // namespace ponet::profiler::detail
