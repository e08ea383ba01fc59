// The machine's limits that `ponet profile` compares every kernel with, measured by our own code once
// per run:
//   bandwidth: the STREAM triad a = b + s c (kernels/{cpu,cuda}/triad) over three float arrays far
//              larger than the caches, best of several runs, counted as STREAM does: 12 bytes per
//              element (read b and c, write a; the write-allocate read of a is not counted).
//   FLOP/s:    our GEMM (cpu::gemm; on CUDA the cuBLAS SGEMM behind cuda::gemm) on square matrices,
//              best of several runs, 2 n^3 FLOPs.
// Both use the threads OpenMP is set to (--threads), like the profiled step.
#pragma once
#include <cstdint>
#include <string>

#include "core/device.h"

namespace ponet::app {

struct MachineLimits {
  Device device;
  int threads = 0;             // OpenMP threads (CPU)
  int64_t triad_elements = 0;  // per array
  double bytes_per_s = 0;
  int64_t gemm_size = 0;  // M = N = K
  double flops_per_s = 0;
  std::string describe() const;  // two lines for the top of the profile
};

MachineLimits measure_machine_limits(Device device);

}  // namespace ponet::app
