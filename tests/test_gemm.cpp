// The blocked CPU GEMM against the plain triple loop: odd sizes, sizes crossing every block size,
// all transpose combinations, alpha/beta (beta = 0 must ignore NaN in C, as BLAS does). Each check runs
// both micro-kernels (kernels/cpu/gemm_micro_kernel.h): gemm() with the fastest the build has (AVX-512
// intrinsics on an AVX-512 build) and gemm_portable() with the compiler-vectorised loop.
#include <omp.h>

#include <cmath>

#include "kernels/cpu/gemm.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {
void check_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, float beta) {
  CAPTURE(ta);
  CAPTURE(tb);
  CAPTURE(M);
  CAPTURE(N);
  CAPTURE(K);
  Rng rng(static_cast<uint64_t>(M * 131 + N * 17 + K));
  std::vector<float> A(M * K), B(K * N), C(M * N), R;
  for (float& v : A) v = rng.uniform(-1, 1);
  for (float& v : B) v = rng.uniform(-1, 1);
  for (float& v : C) v = beta == 0.f ? NAN : rng.uniform(-1, 1);
  std::vector<float> P = C;
  R = C;
  const int64_t lda = ta ? M : K, ldb = tb ? K : N;
  cpu::gemm(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), N);
  cpu::gemm_portable(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, P.data(), N);
  cpu::gemm_reference(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, R.data(), N);
  double worst = 0, worst_portable = 0;
  for (size_t i = 0; i < C.size(); ++i) {
    worst = worst_error(worst, static_cast<double>(std::abs(C[i] - R[i])));
    worst_portable = worst_error(worst_portable, static_cast<double>(std::abs(P[i] - R[i])));
  }
  CHECK(worst <= 1e-5 * std::max<int64_t>(K, 1));
  CHECK(worst_portable <= 1e-5 * std::max<int64_t>(K, 1));
}
}  // namespace

TEST_CASE("blocked gemm matches the reference on odd sizes and all transposes") {
  const int64_t sizes[] = {1, 5, 7, 17, 33, 65};
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (int64_t m : sizes)
        for (int64_t n : {int64_t{1}, int64_t{16}, int64_t{33}})
          for (int64_t k : {int64_t{1}, int64_t{7}, int64_t{64}}) check_gemm(ta, tb, m, n, k, 1.f, 0.f);
}

TEST_CASE("blocked gemm across block boundaries, with alpha and beta") {
  check_gemm(false, false, 97, 130, 257, 0.5f, 1.f);
  check_gemm(true, false, 193, 17, 300, -1.f, 0.25f);
  check_gemm(false, true, 100, 2050, 3, 1.f, 0.f);
  check_gemm(true, true, 130, 65, 513, 2.f, -1.f);
}

namespace {
// C = A^T B (a weight gradient: A [K, M], B [K, N]) on each of 1, 2, 3 and 8 threads: every run must
// give the bits of the first.
void check_same_bits_for_any_thread_count(int64_t M, int64_t N, int64_t K) {
  CAPTURE(M);
  CAPTURE(N);
  CAPTURE(K);
  Rng rng(static_cast<uint64_t>(M * 7 + K));
  std::vector<float> A(M * K), B(K * N);
  for (float& v : A) v = rng.uniform(-1, 1);
  for (float& v : B) v = rng.uniform(-1, 1);
  std::vector<float> first;
  for (int threads : {1, 2, 3, 8}) {
    CAPTURE(threads);
    omp_set_num_threads(threads);
    std::vector<float> C(M * N, 0.f);
    cpu::gemm(true, false, M, N, K, 1.f, A.data(), M, B.data(), N, 0.f, C.data(), N);
    if (first.empty()) first = C;
    CHECK(C == first);
  }
  omp_set_num_threads(omp_get_num_procs());
}
}  // namespace

TEST_CASE("split-K gemm (small C, long K: weight gradients) matches the reference, same bits for any thread count") {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      check_gemm(ta, tb, 37, 21, 20000, 1.f, 0.f);
      check_gemm(ta, tb, 64, 64, 9000, 0.5f, 0.5f);
    }
  check_same_bits_for_any_thread_count(40, 24, 17000);
}

TEST_CASE("gemm gives the same bits for any thread count on the model's weight-gradient shapes") {
  // Whether a product splits along K must not depend on the thread count (it once did: 512 x 128 x 4096
  // split on 3 threads, not on 1), or a training run would change with --threads.
  for (int64_t M : {int64_t{128}, int64_t{512}, int64_t{1024}}) check_same_bits_for_any_thread_count(M, 128, 4096);
}

TEST_CASE("PONET_GEMM_KERNEL: the default, 'portable', and a clear error for anything else") {
  const std::string fastest = cpu::parse_gemm_micro_kernel(nullptr);
  CHECK(std::string(cpu::parse_gemm_micro_kernel("")) == fastest);
  CHECK(std::string(cpu::parse_gemm_micro_kernel(fastest.c_str())) == fastest);
  CHECK(std::string(cpu::parse_gemm_micro_kernel("portable")) == "portable");
  CHECK_THROWS_WITH_AS(cpu::parse_gemm_micro_kernel("avx2"), doctest::Contains("PONET_GEMM_KERNEL='avx2'"), Error);
}
