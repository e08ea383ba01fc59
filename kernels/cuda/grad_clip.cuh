// The CUDA side of train/grad_clip.cpp, whose host loop (squares summed in double) is its reference:
// the global L2 norm of many gradients and the clipping factor, computed on the device so that the
// host reads one number per step instead of one per gradient. Deterministic: fixed chunks, fixed
// summation order, no atomics.
#pragma once
#include <cstdint>

namespace ponet::cuda {

// x[0..n) is cut into fixed chunks, each summed (x^2 in double) into one partial: this many.
int64_t squared_norm_partial_count(int64_t n);
// partial[0..squared_norm_partial_count(n)) for x[0..n).
void squared_norm_partials(double* partial, const float* x, int64_t n);

// One thread block: total = host_part + the sum of partial[0..count) (double, a fixed order),
// norm[0] = sqrt(total), and factor[0] = float(max_norm / (norm + 1e-6)) when the norm is finite and
// above max_norm, else exactly 1 (max_norm = infinity: never clip).
void grad_norm_finish(double* norm, float* factor, const double* partial, int64_t count, double host_part,
                      double max_norm);

// out[i] = x[i] * factor[0], the factor read on the device.
void scale_by_device_factor(float* out, const float* x, const float* factor, int64_t n);

}  // namespace ponet::cuda
