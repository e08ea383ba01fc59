// GEMM throughput: our blocked CPU kernel vs OpenBLAS cblas_sgemm, measured in the same run, on 1024^3
// and on the shapes a PoNet layer multiplies (M = batch * length tokens, N x K = hidden sizes).
// Prints GFLOP/s (best of several repetitions) and the ratio ours / OpenBLAS.
//   usage: bench_gemm [repetitions]
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/rng.h"
#include "kernels/cpu/gemm.h"
#ifdef PONET_HAVE_CBLAS
#include <cblas.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;

template <class F>
double best_seconds(int reps, F&& run) {
  run();  // warm-up: page in buffers, spin up threads
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    run();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

void bench_shape(int64_t M, int64_t N, int64_t K, int reps, bool ta = false) {
  ponet::Rng rng(1);
  std::vector<float> A(M * K), B(K * N), C(M * N);
  for (float& v : A) v = rng.uniform(-1, 1);
  for (float& v : B) v = rng.uniform(-1, 1);
  const double flops = 2.0 * M * N * K;
  double ours = best_seconds(reps, [&] {
    ponet::cpu::gemm(ta, false, M, N, K, 1.f, A.data(), ta ? M : K, B.data(), N, 0.f, C.data(), N);
  });
  std::printf("%6lld x %5lld x %6lld%s ours %8.1f GFLOP/s", static_cast<long long>(M), static_cast<long long>(N),
              static_cast<long long>(K), ta ? " A^T" : "    ", flops / ours * 1e-9);
#ifdef PONET_HAVE_CBLAS
  double blas = best_seconds(reps, [&] {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, CblasNoTrans, M, N, K, 1.f, A.data(), ta ? M : K,
                B.data(), N, 0.f, C.data(), N);
  });
  std::printf("   OpenBLAS %8.1f GFLOP/s   ours/OpenBLAS %.2f\n", flops / blas * 1e-9, blas / ours);
#else
  std::printf("   (built without OpenBLAS: no baseline)\n");
#endif
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  std::printf("CPU GEMM, %d OpenMP threads, best of %d\n", omp_get_max_threads(), reps);
  {  // the naive triple loop, for scale
    const int64_t n = 256;
    std::vector<float> A(n * n, 0.5f), B(n * n, 0.25f), C(n * n);
    double t = best_seconds(1, [&] {
      ponet::cpu::gemm_reference(false, false, n, n, n, 1.f, A.data(), n, B.data(), n, 0.f, C.data(), n);
    });
    std::printf("   256 x   256 x   256   naive reference %.2f GFLOP/s\n", 2.0 * n * n * n / t * 1e-9);
  }
  bench_shape(1024, 1024, 1024, reps);
  bench_shape(32768, 64, 64, reps);
  bench_shape(32768, 128, 64, reps);
  bench_shape(32768, 64, 128, reps);
  // weight gradients dW = g^T x over every token of a batch (A^T, long K)
  bench_shape(64, 64, 131072, reps, true);
  bench_shape(128, 64, 131072, reps, true);
  bench_shape(64, 128, 131072, reps, true);
  return 0;
}
