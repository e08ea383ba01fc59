// FNet token mixing: fourier_mix forward (FFTs, O(L D log(L D)) per batch) against the DFT-by-GEMM
// reference (O(L^2 D) per batch), measured in the same run on x = [B, L, D], with the largest
// relative difference between the two as a check. The reference is skipped above a work cap so the
// bench never runs for minutes (and its L x L matrices stay small).
//   cpu:  fourier_mix vs cpu::fourier_mix_reference (which also builds its cos/sin matrices)
//   cuda: fourier_mix (cuFFT) vs matmuls with the cos/sin matrices prebuilt on the device
//   usage: bench_fft [cpu|cuda] [B] [D]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/memory_stats.h"
#include "kernels/cpu/fourier_mix.h"

using namespace ponet;

namespace {

// Best wall time of a few runs after one warm-up (plans, threads, caches); a slow first run is taken
// as the measurement. cuda_synchronize only on CUDA: a CUDA build without a driver fails in it.
double time_it(const std::function<void()>& f, bool sync) {
  auto once = [&] {
    auto t0 = std::chrono::steady_clock::now();
    f();
    if (sync) cuda_synchronize();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const double first = once();
  if (first > 0.5) return first;
  double best = 1e30, total = 0.0;
  for (int r = 0; r < 5 && (r < 2 || total < 1.0); ++r) {
    const double s = once();
    best = std::min(best, s);
    total += s;
  }
  return best;
}

// cos and sin of 2 pi jk / n as [n, n] tensors on the device (the DFT matrix is C - iS).
void dft_matrices(int64_t n, Device dev, Tensor& C, Tensor& S) {
  std::vector<float> cos_t(n), sin_t(n), c(n * n), s(n * n);
  for (int64_t t = 0; t < n; ++t) {
    const double a = 2.0 * 3.14159265358979323846 * static_cast<double>(t) / static_cast<double>(n);
    cos_t[t] = static_cast<float>(std::cos(a));
    sin_t[t] = static_cast<float>(std::sin(a));
  }
  for (int64_t j = 0; j < n; ++j)
    for (int64_t k = 0; k < n; ++k) {
      c[j * n + k] = cos_t[j * k % n];
      s[j * n + k] = sin_t[j * k % n];
    }
  C = Tensor::from_vector(c, {n, n}).to(dev);
  S = Tensor::from_vector(s, {n, n}).to(dev);
}

double relative_diff(const Tensor& a, const Tensor& b) {
  std::vector<float> u = a.to_vector(), v = b.to_vector();
  double err = 0.0, scale = 0.0;
  for (size_t i = 0; i < u.size(); ++i) {
    err = std::max(err, std::abs(static_cast<double>(u[i]) - v[i]));
    scale = std::max(scale, std::abs(static_cast<double>(v[i])));
  }
  return err / std::max(scale, 1e-30);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Device dev = Device::parse(argc > 1 ? argv[1] : "cpu");
    const int64_t B = argc > 2 ? std::atoll(argv[2]) : 8, D = argc > 3 ? std::atoll(argv[3]) : 64;
    if (B < 1 || D < 1) {
      std::fprintf(stderr, "bench_fft: B and D must be >= 1\n");
      return 1;
    }
    const bool cuda = dev.is_cuda();
    if (cuda && !cuda_available()) {
      std::printf("bench_fft: no CUDA device available: nothing to measure on cuda\n");
      return 0;
    }
    // The reference costs ~4 B L^2 D flops and two L x L matrices: skip it above these.
    const double max_work = cuda ? 3.5e10 : 8.6e9;  // B L^2 D of [8, 8192, 64] / of [8, 4096, 64]
    const int64_t max_L = 8192;  // two 256 MiB matrices
    auto reference_runs = [&](int64_t L) { return static_cast<double>(B) * L * L * D <= max_work && L <= max_L; };
    NoGrad no_grad;
    Rng rng(1);
    std::printf("fourier_mix forward on %s, x = [%lld, L, %lld] float32; reference = DFT by GEMM while "
                "B L^2 D <= %.2g and L <= %lld\n",
                dev.str().c_str(), static_cast<long long>(B), static_cast<long long>(D), max_work,
                static_cast<long long>(max_L));
    std::printf("%7s %14s %14s %9s %14s\n", "L", "fft ms", "reference ms", "speedup", "max rel diff");
    for (int64_t L : {512, 1024, 2048, 4096, 8192, 16384, 1000, 3000}) {
      Tensor x = Tensor::randn({B, L, D}, rng).to(dev);
      Tensor y;
      const double fft_s = time_it([&] { y = fourier_mix(x); }, cuda);
      if (!reference_runs(L)) {
        std::printf("%7lld %14.3f %14s %9s %14s\n", static_cast<long long>(L), fft_s * 1e3, "skipped (cap)", "-",
                    "-");
        continue;
      }
      Tensor ref;
      double ref_s;
      if (cuda) {
        Tensor CL, SL, CD, SD;
        dft_matrices(L, dev, CL, SL);
        dft_matrices(D, dev, CD, SD);
        // y = C_L (x C_D) - S_L (x S_D); written transposed, (x C_D)^T C_L, so the L x L matrix is the
        // shared right operand matmul supports.
        ref_s = time_it([&] {
          Tensor p = transpose(matmul(x, CD), 1, 2), q = transpose(matmul(x, SD), 1, 2);
          ref = contiguous(transpose(sub(matmul(p, CL), matmul(q, SL)), 1, 2));
        }, true);
      } else {
        ref = Tensor::empty({B, L, D});
        ref_s = time_it([&] { cpu::fourier_mix_reference(ref.data<float>(), x.data<float>(), B, L, D); }, false);
      }
      std::printf("%7lld %14.3f %14.3f %8.1fx %14.2e\n", static_cast<long long>(L), fft_s * 1e3, ref_s * 1e3,
                  ref_s / fft_s, relative_diff(y, ref));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_fft: %s\n", e.what());
    return 1;
  }
  return 0;
}
