// CUDA twin of kernels/cpu/ponet_mixer.h (same layouts and saved tensors; device pointers). The work
// is split into a few simple kernels (GA per (row, head), pools and PF per element), each
// deterministic and free of atomics. GA accumulates in double where the CPU twin does (forward takes
// its double scores from the caching allocator). Backward needs a scratch buffer of
// ponet_mixer_backward_workspace(dims) floats, 8-byte aligned (it holds doubles; a fresh tensor is).
// `branches` removes GA, SMP or LMP as on the CPU.
#pragma once
#include <cstdint>

#include "kernels/cpu/ponet_mixer.h"
#include "kernels/cuda/segment_max.cuh"

namespace ponet::cuda {

void ponet_mixer_forward(float* y, const cpu::MixerSaved& saved, const cpu::MixerInputs& in,
                         const SegmentLayoutView& seg, const cpu::MixerDims& dims, const PoNetBranches& branches);
int64_t ponet_mixer_backward_workspace(const cpu::MixerDims& dims);
void ponet_mixer_backward(float* dq, float* dk, float* d_o, float* dlocal, float* dsegment, const float* dy,
                          const cpu::MixerSaved& saved, const cpu::MixerInputs& in, const SegmentLayoutView& seg,
                          const cpu::MixerDims& dims, const PoNetBranches& branches, float* workspace);

}  // namespace ponet::cuda
