// The bf16 GEMM (kernels/cpu/gemm_bf16.h) against its reference: every kernel the CPU runs (vdpbf16ps, AVX-512F FMAs,
// the portable loops) on odd sizes, sizes crossing every block, all transposes, alpha/beta and the K split. The inputs all
// see are the same bf16 values (one rounding function), and a bf16 product is exact in fp32, so the only difference is
// the fp32 accumulation: a sum of K terms in fp32, in any order, is within (K - 1) u sum |terms| of the exact sum (u =
// 2^-24), plus one rounding each for alpha and beta. The check uses that bound, per element, with sum |a b| taken from
// the same rounded inputs.
#include <omp.h>

#include <cmath>

#include "core/bfloat16.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_bf16.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {

struct Case {
  bool ta, tb;
  int64_t M, N, K;
  float alpha, beta;
};

void check_bf16_gemm(const Case& t) {
  CAPTURE(t.ta);
  CAPTURE(t.tb);
  CAPTURE(t.M);
  CAPTURE(t.N);
  CAPTURE(t.K);
  Rng rng(static_cast<uint64_t>(t.M * 131 + t.N * 17 + t.K));
  std::vector<float> A(t.M * t.K), B(t.K * t.N), C(t.M * t.N);
  for (float& v : A) v = rng.uniform(-1, 1);
  for (float& v : B) v = rng.uniform(-1, 1);
  for (float& v : C) v = t.beta == 0.f ? NAN : rng.uniform(-1, 1);
  const int64_t lda = t.ta ? t.M : t.K, ldb = t.tb ? t.K : t.N;
  std::vector<float> ref = C, abs_sum(t.M * t.N, 0.f);
  cpu::gemm_bf16_reference(t.ta, t.tb, t.M, t.N, t.K, t.alpha, A.data(), lda, B.data(), ldb, t.beta, ref.data(), t.N);
  std::vector<float> absA(A.size()), absB(B.size());
  for (size_t i = 0; i < A.size(); ++i) absA[i] = std::abs(A[i]);
  for (size_t i = 0; i < B.size(); ++i) absB[i] = std::abs(B[i]);
  cpu::gemm_bf16_reference(t.ta, t.tb, t.M, t.N, t.K, 1.f, absA.data(), lda, absB.data(), ldb, 0.f, abs_sum.data(),
                           t.N);
  const double u = std::ldexp(1.0, -24);
  // every kernel this CPU runs, and gemm_bf16 itself (the default, or what PONET_GEMM_BF16_KERNEL says)
  std::vector<std::string> kernels = cpu::gemm_bf16_micro_kernels();
  kernels.push_back("default");
  for (const std::string& kernel : kernels) {
    CAPTURE(kernel);
    std::vector<float> out = C;
    if (kernel == "default")
      cpu::gemm_bf16(t.ta, t.tb, t.M, t.N, t.K, t.alpha, A.data(), lda, B.data(), ldb, t.beta, out.data(), t.N);
    else
      cpu::gemm_bf16_using(kernel.c_str(), t.ta, t.tb, t.M, t.N, t.K, t.alpha, A.data(), lda, B.data(), ldb, t.beta,
                           out.data(), t.N);
    int bad = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      const double prev = t.beta == 0.f ? 0.0 : std::abs(t.beta * C[i]);
      const double bound = (t.K + 2) * u * (std::abs(t.alpha) * abs_sum[i] + prev) + 1e-30;
      if (!(std::abs(static_cast<double>(out[i]) - ref[i]) <= bound)) ++bad;  // NaN counts as bad
    }
    CHECK(bad == 0);
  }
}

}  // namespace

TEST_CASE("bf16 gemm matches its reference on odd sizes and all transposes (every kernel)") {
  INFO("kernel: ", std::string(cpu::gemm_bf16_micro_kernel_name()));
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (int64_t m : {1, 5, 7, 9, 17, 65})
        for (int64_t n : {1, 16, 31, 33})
          for (int64_t k : {1, 2, 7, 64, 67}) check_bf16_gemm({ta, tb, m, n, k, 1.f, 0.f});
}

TEST_CASE("bf16 gemm across block boundaries, with alpha and beta, and the K split") {
  check_bf16_gemm({false, false, 97, 130, 257, 0.5f, 1.f});
  check_bf16_gemm({true, false, 193, 17, 301, -1.f, 0.25f});
  check_bf16_gemm({false, true, 100, 1100, 3, 1.f, 0.f});
  check_bf16_gemm({true, true, 130, 65, 513, 2.f, -1.f});
  for (bool ta : {false, true}) check_bf16_gemm({ta, false, 37, 21, 9001, 1.f, 0.f});  // split along K
}

TEST_CASE(
    "bf16 gemm rounds its inputs: off the fp32 product by about K 2^-8, "
    "not more") {
  // Without the rounding (an fp32 GEMM by mistake) the difference to the fp32 reference would be ~1e-7.
  const int64_t M = 64, N = 48, K = 256;
  Rng rng(7);
  std::vector<float> A(M * K), B(K * N), C(M * N), R(M * N);
  for (float& v : A) v = rng.uniform(-1, 1);
  for (float& v : B) v = rng.uniform(-1, 1);
  cpu::gemm_bf16(false, false, M, N, K, 1.f, A.data(), K, B.data(), N, 0.f, C.data(), N);
  cpu::gemm_reference(false, false, M, N, K, 1.f, A.data(), K, B.data(), N, 0.f, R.data(), N);
  const double diff = max_abs_diff(C, R);
  CHECK(diff > 1e-4);
  CHECK(diff < K * std::ldexp(1.0, -8));  // |a|, |b| < 1: each product off by at
                                          // most 2 * 2^-8 + 2^-16
}

TEST_CASE(
    "bf16 gemm gives the same bits for any thread count (weight-gradient "
    "shapes, K split)") {
  for (auto [M, N, K] : {std::tuple<int64_t, int64_t, int64_t>{128, 128, 4096}, {40, 24, 17000}}) {
    Rng rng(static_cast<uint64_t>(M + K));
    std::vector<float> A(M * K), B(K * N);
    for (float& v : A) v = rng.uniform(-1, 1);
    for (float& v : B) v = rng.uniform(-1, 1);
    std::vector<float> first;
    for (int threads : {1, 2, 3}) {
      omp_set_num_threads(threads);
      std::vector<float> C(M * N, 0.f);
      cpu::gemm_bf16(true, false, M, N, K, 1.f, A.data(), M, B.data(), N, 0.f, C.data(), N);
      if (first.empty()) first = C;
      CHECK(C == first);
    }
    omp_set_num_threads(omp_get_num_procs());
  }
}

TEST_CASE("PONET_GEMM_BF16_KERNEL: the default for this CPU, every kernel it runs, and a clear error otherwise") {
  const std::string def = cpu::parse_gemm_bf16_micro_kernel(nullptr);
  CHECK(def == cpu::gemm_bf16_micro_kernels().front());
  CHECK(std::string(cpu::parse_gemm_bf16_micro_kernel("")) == def);
  CHECK(std::string(cpu::parse_gemm_bf16_micro_kernel("portable")) == "portable");
  CHECK_THROWS_WITH_AS(cpu::parse_gemm_bf16_micro_kernel("amx"), doctest::Contains("PONET_GEMM_BF16_KERNEL='amx'"),
                       Error);
  for (const std::string& k : cpu::gemm_bf16_micro_kernels())
    CHECK(std::string(cpu::parse_gemm_bf16_micro_kernel(k.c_str())) == k);
  if (cpu::cpu_has_avx512_bf16())
    CHECK(std::string(cpu::parse_gemm_bf16_micro_kernel("avx512bf16")) == "avx512bf16");
  else
    CHECK_THROWS_AS(cpu::parse_gemm_bf16_micro_kernel("avx512bf16"), Error);
}

namespace {
// |actual - bf16 reference| within the fp32 accumulation bound of check_bf16_gemm, for a product of K terms whose
// magnitudes sum to at most abs_sum per element; `unit` is the accumulation's unit roundoff (2^-24 for IEEE fp32 adds).
void check_against_bf16_reference(const std::vector<float>& actual, const std::vector<float>& ref,
                                  const std::vector<float>& abs_sum, int64_t K, double unit = std::ldexp(1.0, -24)) {
  REQUIRE(actual.size() == ref.size());
  int bad = 0;
  for (size_t i = 0; i < ref.size(); ++i)
    if (!(std::abs(static_cast<double>(actual[i]) - ref[i]) <= (K + 2) * unit * abs_sum[i] + 1e-30))
      ++bad;
  CHECK(bad == 0);
}

std::vector<float> absolute(std::vector<float> v) {
  for (float& x : v) x = std::abs(x);
  return v;
}
}  // namespace

TEST_CASE(
    "linear in bf16: forward, dx and dW are the bf16 GEMMs of their fp32 "
    "operands") {
  // out = x W^T + b; with loss sum(out * G): dx = G W, dW = G^T x, each a bf16 product (the backward of a bf16 node
  // runs in bf16 too), db = the column sums of G in fp32.
  const int64_t rows = 37, in = 19, out_f = 23;
  Rng rng(11);
  std::vector<float> xv(rows * in), wv(out_f * in), bv(out_f), gv(rows * out_f);
  for (auto* v : {&xv, &wv, &bv, &gv})
    for (float& e : *v) e = rng.uniform(-1, 1);
  Tensor x = Tensor::from_vector(xv, {rows, in}).set_requires_grad(true);
  Tensor w = Tensor::from_vector(wv, {out_f, in}).set_requires_grad(true);
  Tensor b = Tensor::from_vector(bv, {out_f}).set_requires_grad(true);
  Tensor y = linear(x, w, b, Precision::bf16);
  sum_all(mul(y, Tensor::from_vector(gv, {rows, out_f}))).backward();

  std::vector<float> ref(rows * out_f), abs_sum(rows * out_f);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < out_f; ++j) ref[i * out_f + j] = bv[j];
  cpu::gemm_bf16_reference(false, true, rows, out_f, in, 1.f, xv.data(), in, wv.data(), in, 1.f, ref.data(), out_f);
  cpu::gemm_bf16_reference(false, true, rows, out_f, in, 1.f, absolute(xv).data(), in, absolute(wv).data(), in, 0.f,
                           abs_sum.data(), out_f);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < out_f; ++j) abs_sum[i * out_f + j] += std::abs(bv[j]);
  check_against_bf16_reference(y.to_vector(), ref, abs_sum, in);

  std::vector<float> dx(rows * in), dx_abs(rows * in), dw(out_f * in), dw_abs(out_f * in);
  cpu::gemm_bf16_reference(false, false, rows, in, out_f, 1.f, gv.data(), out_f, wv.data(), in, 0.f, dx.data(), in);
  cpu::gemm_bf16_reference(false, false, rows, in, out_f, 1.f, absolute(gv).data(), out_f, absolute(wv).data(), in, 0.f,
                           dx_abs.data(), in);
  check_against_bf16_reference(x.grad().to_vector(), dx, dx_abs, out_f);
  cpu::gemm_bf16_reference(true, false, out_f, in, rows, 1.f, gv.data(), out_f, xv.data(), in, 0.f, dw.data(), in);
  cpu::gemm_bf16_reference(true, false, out_f, in, rows, 1.f, absolute(gv).data(), out_f, absolute(xv).data(), in, 0.f,
                           dw_abs.data(), in);
  check_against_bf16_reference(w.grad().to_vector(), dw, dw_abs, rows);
  // and not the fp32 products: those differ by far more than the bound above
  std::vector<float> dx32(rows * in);
  cpu::gemm_reference(false, false, rows, in, out_f, 1.f, gv.data(), out_f, wv.data(), in, 0.f, dx32.data(), in);
  CHECK(max_abs_diff(x.grad().to_vector(), dx32) > 1e-4);
}

TEST_CASE(
    "matmul in bf16 (batched, b shared): forward and both gradients are "
    "bf16 GEMMs") {
  const int64_t batches = 3, M = 9, K = 13, N = 7;
  Rng rng(12);
  std::vector<float> av(batches * M * K), bv(K * N), gv(batches * M * N);
  for (auto* v : {&av, &bv, &gv})
    for (float& e : *v) e = rng.uniform(-1, 1);
  Tensor a = Tensor::from_vector(av, {batches, M, K}).set_requires_grad(true);
  Tensor b = Tensor::from_vector(bv, {K, N}).set_requires_grad(true);
  Tensor y = matmul(a, b, Precision::bf16);
  sum_all(mul(y, Tensor::from_vector(gv, {batches, M, N}))).backward();
  // the whole batch as one [batches*M, K] product: the same sums
  std::vector<float> ref(batches * M * N), abs_sum(batches * M * N);
  cpu::gemm_bf16_reference(false, false, batches * M, N, K, 1.f, av.data(), K, bv.data(), N, 0.f, ref.data(), N);
  cpu::gemm_bf16_reference(false, false, batches * M, N, K, 1.f, absolute(av).data(), K, absolute(bv).data(), N, 0.f,
                           abs_sum.data(), N);
  check_against_bf16_reference(y.to_vector(), ref, abs_sum, K);
  std::vector<float> da(batches * M * K), da_abs(batches * M * K), db(K * N), db_abs(K * N);
  cpu::gemm_bf16_reference(false, true, batches * M, K, N, 1.f, gv.data(), N, bv.data(), N, 0.f, da.data(), K);
  cpu::gemm_bf16_reference(false, true, batches * M, K, N, 1.f, absolute(gv).data(), N, absolute(bv).data(), N, 0.f,
                           da_abs.data(), K);
  check_against_bf16_reference(a.grad().to_vector(), da, da_abs, N);
  // dB = sum over batches of A_i^T G_i = A^T G over the stacked rows (summed per batch, then added: the bound covers
  // the extra additions with K = batches * M)
  cpu::gemm_bf16_reference(true, false, K, N, batches * M, 1.f, av.data(), K, gv.data(), N, 0.f, db.data(), N);
  cpu::gemm_bf16_reference(true, false, K, N, batches * M, 1.f, absolute(av).data(), K, absolute(gv).data(), N, 0.f,
                           db_abs.data(), N);
  check_against_bf16_reference(b.grad().to_vector(), db, db_abs, batches * M);
}

TEST_CASE("bf16 matmul on CUDA (cublasGemmEx) matches the CPU bf16 reference, forward and backward" *
          doctest::test_suite("gpu")) {
  if (skip_without_gpu()) return;
  // odd sizes and every transpose of the backward; the same rounded inputs, another summation order. Tensor cores add
  // their fp32 partial sums with less than IEEE rounding (alignment truncation), so the bound allows a unit roundoff of
  // 2^-22 per addition instead of 2^-24.
  const double unit = std::ldexp(1.0, -22);
  for (auto [M, K, N] : {std::tuple<int64_t, int64_t, int64_t>{37, 19, 23}, {130, 257, 65}}) {
    Rng rng(static_cast<uint64_t>(M + K));
    std::vector<float> av(M * K), bv(K * N), gv(M * N);
    for (auto* v : {&av, &bv, &gv})
      for (float& e : *v) e = rng.uniform(-1, 1);
    Tensor a = Tensor::from_vector(av, {M, K}).to(Device::cuda()).set_requires_grad(true);
    Tensor b = Tensor::from_vector(bv, {K, N}).to(Device::cuda()).set_requires_grad(true);
    Tensor y = matmul(a, b, Precision::bf16);
    sum_all(mul(y, Tensor::from_vector(gv, {M, N}).to(Device::cuda()))).backward();
    std::vector<float> ref(M * N), abs_sum(M * N), da(M * K), da_abs(M * K), db(K * N), db_abs(K * N);
    cpu::gemm_bf16_reference(false, false, M, N, K, 1.f, av.data(), K, bv.data(), N, 0.f, ref.data(), N);
    cpu::gemm_bf16_reference(false, false, M, N, K, 1.f, absolute(av).data(), K, absolute(bv).data(), N, 0.f,
                             abs_sum.data(), N);
    check_against_bf16_reference(y.to_vector(), ref, abs_sum, K, unit);
    cpu::gemm_bf16_reference(false, true, M, K, N, 1.f, gv.data(), N, bv.data(), N, 0.f, da.data(), K);
    cpu::gemm_bf16_reference(false, true, M, K, N, 1.f, absolute(gv).data(), N, absolute(bv).data(), N, 0.f,
                             da_abs.data(), K);
    check_against_bf16_reference(a.grad().to_vector(), da, da_abs, N, unit);
    cpu::gemm_bf16_reference(true, false, K, N, M, 1.f, av.data(), K, gv.data(), N, 0.f, db.data(), N);
    cpu::gemm_bf16_reference(true, false, K, N, M, 1.f, absolute(av).data(), K, absolute(gv).data(), N, 0.f,
                             db_abs.data(), N);
    check_against_bf16_reference(b.grad().to_vector(), db, db_abs, M, unit);
  }
}
