// Device dispatch of every kernel launch, in one place so the profiler (core/profiler.h) sees them all:
//
//   PONET_KERNEL(device, "softmax_forward", profiler::elementwise_cost(n, 1, 1, 4),
//                cpu::softmax_forward(...), cuda::softmax_forward(...));
//
// runs the cpu call on a CPU device and the cuda call (any statement, may be a { block }) on a CUDA
// device. In a build without CUDA no CUDA tensor can exist, so the cuda call is not even compiled. With
// profiling off this is one predictable branch on a global flag; the name and the cost are expressions
// evaluated only when profiling is on. The cost must be one macro argument: use profiler::cost(b, f) or
// the other helpers, not a braced {b, f}. Kernels that a kernel calls internally (the GEMMs inside
// attention) are not dispatched and count in their caller.
#pragma once
#include "core/error.h"
#include "core/profiler.h"

#ifdef PONET_WITH_CUDA
#define PONET_ON_CUDA(...) __VA_ARGS__
#else
#define PONET_ON_CUDA(...) ::ponet::fail("this build of ponet has no CUDA support")
#endif

#define PONET_DISPATCH_ON_DEVICE_(device, cpu_call, ...) \
  if ((device).is_cuda()) {                              \
    PONET_ON_CUDA(__VA_ARGS__);                          \
  } else {                                               \
    cpu_call;                                            \
  }

#define PONET_KERNEL(device, name, cost, cpu_call, ...)                                                           \
  do {                                                                                                            \
    const ::ponet::Device ponet_kernel_device_ = (device);                                                        \
    if (__builtin_expect(::ponet::profiler::enabled(), 0)) {                                                      \
      const ::ponet::profiler::Scope ponet_kernel_scope_(::ponet::profiler::Table::Kernels, ponet_kernel_device_, \
                                                         (name), (cost));                                         \
      PONET_DISPATCH_ON_DEVICE_(ponet_kernel_device_, cpu_call, __VA_ARGS__)                                      \
    } else {                                                                                                      \
      PONET_DISPATCH_ON_DEVICE_(ponet_kernel_device_, cpu_call, __VA_ARGS__)                                      \
    }                                                                                                             \
  } while (0)
