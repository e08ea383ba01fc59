// GEMM throughput: our blocked CPU kernel vs OpenBLAS cblas_sgemm, measured in the same run, on 1024^3
// and on the shapes the main job's model and the LRA speed model multiply, each linear layer three ways
// (forward, input gradient, weight gradient).
// Prints GFLOP/s (best of several repetitions), the ratio ours / OpenBLAS and, for each shape, the same
// blocked GEMM with the portable micro-kernel (gemm_portable), the reference of the intrinsics one, and
// the bf16 mixed-precision GEMM (kernels/cpu/gemm_bf16.h) with every micro-kernel the CPU runs, each with the ratio
// bf16 / fp32 (both ours, same run); first, one core's fp32 FMA and bf16 dot-product instruction peaks,
// the ceiling of each.
//   usage: bench_gemm [repetitions] [only]   only: time just the shapes whose label contains it, the label
//          being MxNxK:op, e.g. "1640x8000x128:nt" (one shape) or ":tn" (every weight gradient)
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/rng.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_bf16.h"
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif
#ifdef PONET_HAVE_CBLAS
#include <cblas.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;

// OpenBLAS's threads spin for a while after each call; without a pause they steal the cores from the
// next measurement (ours), which then reads several times too slow.
void let_blas_threads_sleep() { std::this_thread::sleep_for(std::chrono::milliseconds(300)); }

template <class F>
double best_seconds(int reps, F&& run) {
  let_blas_threads_sleep();
  run();  // warm-up: page in buffers, spin up threads
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    run();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

// C [M, N] = op(A) op(B) with op(A) [M, K], op(B) [K, N]; ta / tb: A or B stored transposed.
const char* g_only = "";  // the [only] argument

void bench_shape(int64_t M, int64_t N, int64_t K, int reps, bool ta = false, bool tb = false) {
  const char* op = ta ? (tb ? "tt" : "tn") : (tb ? "nt" : "nn");
  const std::string label = std::to_string(M) + "x" + std::to_string(N) + "x" + std::to_string(K) + ":" + op;
  if (label.find(g_only) == std::string::npos) return;
  ponet::Rng rng(1);
  std::vector<float> A(M * K), B(K * N), C(M * N);
  for (float& v : A) v = rng.uniform(-1, 1);
  for (float& v : B) v = rng.uniform(-1, 1);
  const double flops = 2.0 * M * N * K;
  double ours = best_seconds(reps, [&] {
    ponet::cpu::gemm(ta, tb, M, N, K, 1.f, A.data(), ta ? M : K, B.data(), tb ? K : N, 0.f, C.data(), N);
  });
  double portable = best_seconds(reps, [&] {
    ponet::cpu::gemm_portable(ta, tb, M, N, K, 1.f, A.data(), ta ? M : K, B.data(), tb ? K : N, 0.f, C.data(), N);
  });
  std::printf("%6lld x %5lld x %6lld %s ours %8.1f GFLOP/s (portable kernel %6.1f, ours/portable %.2f)",
              static_cast<long long>(M), static_cast<long long>(N), static_cast<long long>(K),
              op, flops / ours * 1e-9, flops / portable * 1e-9,
              portable / ours);
#ifdef PONET_HAVE_CBLAS
  double blas = best_seconds(reps, [&] {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.f,
                A.data(), ta ? M : K, B.data(), tb ? K : N, 0.f, C.data(), N);
  });
  std::printf("   OpenBLAS %8.1f GFLOP/s   ours/OpenBLAS %.2f\n", flops / blas * 1e-9, blas / ours);
#else
  std::printf("   (built without OpenBLAS: no baseline)\n");
#endif
  std::printf("%27s bf16", "");
  for (const std::string& kernel : ponet::cpu::gemm_bf16_micro_kernels()) {
    const double t = best_seconds(reps, [&] {
      ponet::cpu::gemm_bf16_using(kernel.c_str(), ta, tb, M, N, K, 1.f, A.data(), ta ? M : K, B.data(), tb ? K : N,
                                  0.f, C.data(), N);
    });
    std::printf("  %s %6.1f GFLOP/s (bf16/fp32 %.2f)", kernel.c_str(), flops / t * 1e-9, ours / t);
  }
  std::printf("\n");
}

#if defined(__x86_64__) && defined(__GNUC__)
// The instruction peaks of one core: 24 independent chains of vfmadd (32 flops each) or vdpbf16ps (64 flops
// each), so neither latency nor memory limits them. A bf16 GEMM on vdpbf16ps cannot beat the fp32 one where
// the second peak is not above the first (no AMX is used).
constexpr long kPeakSteps = 20000000;
double gflops(double flops_per_instruction, Clock::time_point t0) {
  return kPeakSteps * 24.0 * flops_per_instruction / std::chrono::duration<double>(Clock::now() - t0).count() * 1e-9;
}

__attribute__((target("avx512f"))) double fma_peak() {
  __m512 acc[24], a = _mm512_set1_ps(1.0001f), b = _mm512_set1_ps(0.9999f);
  for (int i = 0; i < 24; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const auto t0 = Clock::now();
  for (long k = 0; k < kPeakSteps; ++k) {
#pragma GCC unroll 24
    for (int i = 0; i < 24; ++i) acc[i] = _mm512_fmadd_ps(a, b, acc[i]);
    asm volatile("" : "+v"(a));
  }
  const double g = gflops(32, t0);
  for (int i = 0; i < 24; ++i) asm volatile("" : : "v"(acc[i]));
  return g;
}

__attribute__((target("avx512f,avx512bf16"))) double dpbf16_peak() {
  __m512 acc[24];
  __m512bh a = (__m512bh)_mm512_set1_epi32(0x3f803f80), b = (__m512bh)_mm512_set1_epi32(0x3f803f80);
  for (int i = 0; i < 24; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const auto t0 = Clock::now();
  for (long k = 0; k < kPeakSteps; ++k) {
#pragma GCC unroll 24
    for (int i = 0; i < 24; ++i) acc[i] = _mm512_dpbf16_ps(acc[i], a, b);
    asm volatile("" : "+v"(a));
  }
  const double g = gflops(64, t0);
  for (int i = 0; i < 24; ++i) asm volatile("" : : "v"(acc[i]));
  return g;
}

void print_instruction_peaks() {
  if (!ponet::cpu::cpu_has_avx512_bf16()) {
    std::printf("one core's peaks: this CPU has no AVX512_BF16 (the bf16 columns time the portable kernel)\n");
    return;
  }
  const double fma = fma_peak(), dp = dpbf16_peak();
  std::printf("one core's instruction peaks: fp32 vfmadd %.1f GFLOP/s, bf16 vdpbf16ps %.1f GFLOP/s (bf16/fp32 %.2f)\n",
              fma, dp, dp / fma);
}
#else
void print_instruction_peaks() {}
#endif

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  if (argc > 2) g_only = argv[2];
  std::printf("CPU GEMM, %d OpenMP threads, best of %d, micro-kernel %s, bf16 micro-kernel %s\n",
              omp_get_max_threads(), reps, ponet::cpu::gemm_micro_kernel_name(),
              ponet::cpu::gemm_bf16_micro_kernel_name());
#if defined(PONET_HAVE_CBLAS) && defined(OPENBLAS_VERSION)
  // An OpenBLAS older than the CPU picks a generic kernel (Debian 12's 0.3.21 runs "Prescott", SSE3, on
  // a 2026 Xeon, 4-8x slower): the baseline is only fair with OPENBLAS_CORETYPE set to this CPU's family.
  const char* core = std::getenv("OPENBLAS_CORETYPE");
  std::printf("baseline%s: kernels for core %s%s\n", OPENBLAS_VERSION, openblas_get_corename(),
              core ? " (OPENBLAS_CORETYPE)" : " (auto-detected; if generic, set OPENBLAS_CORETYPE, e.g. SkylakeX)");
#endif
  print_instruction_peaks();
  if (g_only[0] == '\0') {  // the naive triple loop, for scale
    const int64_t n = 256;
    std::vector<float> A(n * n, 0.5f), B(n * n, 0.25f), C(n * n);
    double t = best_seconds(1, [&] {
      ponet::cpu::gemm_reference(false, false, n, n, n, 1.f, A.data(), n, B.data(), n, 0.f, C.data(), n);
    });
    std::printf("   256 x   256 x   256   naive reference %.2f GFLOP/s\n", 2.0 * n * n * n / t * 1e-9);
    t = best_seconds(1, [&] {
      ponet::cpu::gemm_bf16_reference(false, false, n, n, n, 1.f, A.data(), n, B.data(), n, 0.f, C.data(), n);
    });
    std::printf("   256 x   256 x   256   naive bf16 reference %.2f GFLOP/s\n", 2.0 * n * n * n / t * 1e-9);
  }
  bench_shape(1024, 1024, 1024, reps);
  // A linear layer y = x W^T with x [T, in], W [out, in] multiplies three ways: forward T x out x in (nt),
  // input gradient dx = dy W: T x in x out (nn), weight gradient dW = dy^T x: out x in x T (tn).
  struct Linear { int64_t in, out; };
  const auto bench_linear = [&](int64_t T, Linear l) {
    bench_shape(T, l.out, l.in, reps, false, true);
    bench_shape(T, l.in, l.out, reps);
    bench_shape(l.out, l.in, T, reps, true);
  };
  std::printf("the main job's model (ponet pretrain: 32 x 128 tokens, hidden 128, intermediate 512, vocab 8000):\n");
  bench_linear(4096, {128, 128});  // the five PoNet projections, the mixer output, the MLM transform
  bench_linear(4096, {128, 512});  // FFN in
  bench_linear(4096, {512, 128});  // FFN out
  bench_linear(1640, {128, 8000});  // MLM decoder on the ~40 % masked tokens of a training batch
  std::printf("the LRA speed model (bench_ponet_step: 8 x 4096 tokens, hidden 64, FFN 128):\n");
  bench_linear(32768, {64, 64});
  bench_linear(32768, {64, 128});
  bench_linear(32768, {128, 64});
  return 0;
}
