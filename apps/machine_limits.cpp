#include "apps/machine_limits.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "core/memory_stats.h"
#include "core/tensor.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/triad.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/gemm.cuh"
#include "kernels/cuda/triad.cuh"
#endif

namespace ponet::app {

namespace {

// Best (shortest) time of one call of `body` over `runs` timed batches of `calls` calls, after one
// warm-up call (first touch of the pages, cuBLAS's lazy setup).
double best_seconds(Device device, int runs, int calls, const std::function<void()>& body) {
  body();
  cuda_synchronize();
  double best = 1e30;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int c = 0; c < calls; ++c) body();
    if (device.is_cuda()) cuda_synchronize();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / calls;
    best = std::min(best, s);
  }
  return best;
}

}  // namespace

MachineLimits measure_machine_limits(Device device) {
  MachineLimits m;
  m.device = device;
  m.threads = omp_get_max_threads();
  const bool cuda = device.is_cuda();
  // CPU: 64 MiB per array, far beyond any last-level cache; GPU: 256 MiB per array (H200 L2: 60 MB).
  m.triad_elements = cuda ? int64_t{1} << 26 : int64_t{1} << 24;
  {
    Tensor a = Tensor::empty({m.triad_elements}, DType::F32, device);
    Tensor b = Tensor::full({m.triad_elements}, 1.f, device), c = Tensor::full({m.triad_elements}, 2.f, device);
    float *pa = a.data<float>(), *pb = b.data<float>(), *pc = c.data<float>();
    const int64_t n = m.triad_elements;
    const double s = best_seconds(device, 5, cuda ? 20 : 1, [&] {
      if (cuda) {
#ifdef PONET_WITH_CUDA
        cuda::triad(pa, pb, pc, 3.f, n);
#endif
      } else {
        cpu::triad(pa, pb, pc, 3.f, n);
      }
    });
    m.bytes_per_s = 12.0 * static_cast<double>(n) / s;
  }
  m.gemm_size = cuda ? 8192 : 2048;
  {
    const int64_t n = m.gemm_size;
    Tensor a = Tensor::full({n, n}, 0.5f, device), b = Tensor::full({n, n}, 0.25f, device);
    Tensor c = Tensor::empty({n, n}, DType::F32, device);
    const float *pa = a.data<float>(), *pb = b.data<float>();
    float* pc = c.data<float>();
    const double s = best_seconds(device, 3, cuda ? 5 : 1, [&] {
      if (cuda) {
#ifdef PONET_WITH_CUDA
        cuda::gemm(false, false, n, n, n, 1.f, pa, n, pb, n, 0.f, pc, n);
#endif
      } else {
        cpu::gemm(false, false, n, n, n, 1.f, pa, n, pb, n, 0.f, pc, n);
      }
    });
    m.flops_per_s = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) / s;
  }
  return m;
}

std::string MachineLimits::describe() const {
  char buf[512];
  const double mib = 4.0 * static_cast<double>(triad_elements) / (1 << 20);
  if (device.is_cuda()) {
    std::snprintf(buf, sizeof buf,
                  "device %s\n"
                  "  bandwidth %.1f GB/s  (triad a = b + s c, 3 x %.0f MiB, 12 B/element, best of 5 x 20)\n"
                  "  peak      %.1f GFLOP/s  (cuBLAS SGEMM %lld^3, best of 3 x 5)\n",
                  device.str().c_str(), 1e-9 * bytes_per_s, mib, 1e-9 * flops_per_s, static_cast<long long>(gemm_size));
  } else {
    std::snprintf(buf, sizeof buf,
                  "device cpu, %d OpenMP threads, OMP_WAIT_POLICY=%s\n"
                  "  bandwidth %.1f GB/s  (triad a = b + s c, 3 x %.0f MiB, 12 B/element, best of 5)\n"
                  "  peak      %.1f GFLOP/s  (cpu::gemm %lld^3, best of 3)\n",
                  threads, std::getenv("OMP_WAIT_POLICY") ? std::getenv("OMP_WAIT_POLICY") : "(libgomp default)",
                  1e-9 * bytes_per_s, mib, 1e-9 * flops_per_s, static_cast<long long>(gemm_size));
  }
  return buf;
}

}  // namespace ponet::app
