// CUDA twin of kernels/cpu/fourier_mix.h: y = Re(FFT_L(FFT_D(x))) per batch, x and y contiguous
// (B, L, D) float32 device buffers; backward is the same transform of the gradient (nothing saved).
// Runs through cuFFT: one batched real-to-complex 2-D transform over (L, D) (the 2-D DFT is the FFT over
// D followed by the FFT over L) into a half spectrum (B, L, D/2+1), then a kernel that reads the real
// part, taking the columns d > D/2 from their mirrors: Re Y[l, d] = Re Y[(L - l) mod L, D - d].
// The half spectrum lives in a caller workspace of fourier_mix_workspace(B, L, D) floats (allocate it
// as a tensor, through the caching allocator). cuFFT plans are cached by (device, B, L, D), at most 16
// (least recently used evicted); their work areas also come from the caching allocator.
#pragma once
#include <cstdint>

namespace ponet::cuda {

int64_t fourier_mix_workspace(int64_t batch, int64_t L, int64_t D);

void fourier_mix_forward(float* y, const float* x, float* workspace, int64_t batch, int64_t L, int64_t D);

}  // namespace ponet::cuda
