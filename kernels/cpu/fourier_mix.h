// FNet token mixing: y = Re(FFT_L(FFT_D(x))) per batch, i.e. torch.fft.fft(torch.fft.fft(x, dim=-1),
// dim=-2).real. x and y are contiguous (B, L, D) float32.
//
// With the DFT matrix F_n = C_n - i S_n (C, S the symmetric cos / sin matrices) this is
//   y_b = C_L x_b C_D - S_L x_b S_D,
// a linear map that equals its own adjoint, so backward is the same transform of the gradient:
// dx = fourier_mix_forward(dy). Nothing is saved.
#pragma once
#include <cstdint>

namespace ponet::cpu {

// Fast version: FFTs of every row (over D), then of every column (over L), OpenMP over rows / columns
// of all batches. Uses that x is real: two rows share one complex FFT, and only the columns
// d <= D/2 are transformed (the others are their conjugate mirrors).
void fourier_mix_forward(float* y, const float* x, int64_t batch, int64_t L, int64_t D);

// Naive reference: builds C_L, S_L, C_D, S_D and computes C_L x C_D - S_L x S_D with cpu::gemm,
// O(L^2 D + L D^2) per batch and O(L^2) memory. For the tests and the benchmark's baseline.
void fourier_mix_reference(float* y, const float* x, int64_t batch, int64_t L, int64_t D);

}  // namespace ponet::cpu
