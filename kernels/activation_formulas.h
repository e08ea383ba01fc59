// The elementwise activations, each written once as a formula struct that the CPU kernels
// (kernels/cpu/activations.h), the CUDA kernels (kernels/cuda/activations.cuh) and the autograd ops
// (autograd/ops/activations.cpp) all instantiate:
//   forward(x)            y = f(x)
//   backward(x, y, dy)    dx = f'(x) dy, written with x or with y = f(x), whichever is cheaper
//   forward_flops, backward_flops   per element, by the convention of core/profiler.h (the profiler
//                         and `test_ops perf` read them from here)
// The transcendental functions come from `activation_math` below: on the CPU the branch-free versions
// of kernels/cpu/vector_math.h, so that the kernels' loops vectorise; on the GPU CUDA's own.
//
// Adding an activation `foo`: a struct here, one line in PONET_ACTIVATIONS, its declaration in
// autograd/ops.h and its rows in tests/ops_table/rows_elementwise.cpp.
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/cpu/vector_math.h"
#include "kernels/host_device.h"

namespace ponet::activation_math {

PONET_HOST_DEVICE inline float erf(float x) {
#ifdef __CUDA_ARCH__
  return erff(x);
#else
  return cpu::erf_vectorizable(x);
#endif
}

// exp for x <= 0 (the CPU version is exact only there)
PONET_HOST_DEVICE inline float exp_nonpositive(float x) {
#ifdef __CUDA_ARCH__
  return expf(x);
#else
  return cpu::exp_nonpositive(x);
#endif
}

PONET_HOST_DEVICE inline float tanh(float x) {
#ifdef __CUDA_ARCH__
  return tanhf(x);
#else
  return std::tanh(x);
#endif
}

}  // namespace ponet::activation_math

namespace ponet::activation {

// GELU, exact erf form: f(x) = x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)); f'(x) = Phi(x) + x phi(x).
// Forward 5 FLOPs (x / sqrt 2, erf, + 1, * x, * 0.5); backward 11 (Phi 4, x phi 5, add, * dy).
struct Gelu {
  static constexpr int64_t forward_flops = 5, backward_flops = 11;
  static constexpr float kInvSqrt2 = 0.70710678118654752f, kInvSqrt2Pi = 0.39894228040143268f;
  PONET_HOST_DEVICE static float forward(float x) { return 0.5f * x * (1.f + activation_math::erf(x * kInvSqrt2)); }
  PONET_HOST_DEVICE static float backward(float x, float, float dy) {
    return dy * (0.5f * (1.f + activation_math::erf(x * kInvSqrt2)) +
                 x * kInvSqrt2Pi * activation_math::exp_nonpositive(-0.5f * x * x));
  }
};

// tanh; the derivative from the output: (1 - y^2) dy. Forward 1 FLOP, backward 3.
struct Tanh {
  static constexpr int64_t forward_flops = 1, backward_flops = 3;
  PONET_HOST_DEVICE static float forward(float x) { return activation_math::tanh(x); }
  PONET_HOST_DEVICE static float backward(float, float y, float dy) { return dy * (1.f - y * y); }
};

// ReLU max(x, 0), its gradient taken as 0 at 0: selects, no FLOPs.
struct Relu {
  static constexpr int64_t forward_flops = 0, backward_flops = 0;
  PONET_HOST_DEVICE static float forward(float x) { return x > 0.f ? x : 0.f; }
  PONET_HOST_DEVICE static float backward(float x, float, float dy) { return x > 0.f ? dy : 0.f; }
};

}  // namespace ponet::activation

// The table of activations: X(name, Formula) with the op's name as in autograd/ops.h. The CPU and CUDA
// kernels are instantiated and the autograd ops defined once per line.
#define PONET_ACTIVATIONS(X) \
  X(gelu, Gelu)              \
  X(tanh, Tanh)              \
  X(relu, Relu)
