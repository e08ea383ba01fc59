// CUDA event timers for the profiler (core/profiler_cuda.cu), only in builds with CUDA. A slot is a
// pair of events; start/stop record them on the default stream without waiting, seconds() waits for the
// stop event and frees the slot.
#pragma once
#ifdef PONET_WITH_CUDA

namespace ponet::profiler::detail {

int cuda_timer_start();
void cuda_timer_stop(int slot);
double cuda_timer_seconds(int slot);

}  // namespace ponet::profiler::detail

#endif
