// Fused softmax attention: what the op table (tests/ops_table/, rows "attention": against softmax
// attention in double with padded keys, without a mask and with dropout on P, gradcheck with and without
// dropout, CUDA vs CPU) does not check: the same bits for any thread count over several row blocks (against
// the plain reference kernel of kernels/cpu/attention.cpp, itself checked against a triple loop here),
// padded keys weighing exactly 0, that the mask depends on the seed, eval mode, any input layout giving the
// same bits, the dropped fraction, errors, and what CUDA holds between forward and backward.
#include <omp.h>

#include <cmath>

#include "core/memory_stats.h"
#include "kernels/cpu/attention.h"
#include "kernels/dropout_hash.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {

struct Case {
  Tensor q, k, v, valid;  // valid may be undefined
  int64_t heads;
};

// Uneven rows: 13, 9 and 5 real keys; the last row also has a padded key in the middle.
Case padded_case(bool requires_grad, int64_t B = 3, int64_t L = 13, int64_t H = 2, int64_t d = 8) {
  Rng rng(91);
  Case c;
  for (Tensor* t : {&c.q, &c.k, &c.v}) *t = random_tensor({B, L, H * d}, rng, requires_grad);
  std::vector<int64_t> valid(B * L, 1);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t real = std::max<int64_t>(1, L - 4 * b);
    for (int64_t l = real; l < L; ++l) valid[b * L + l] = 0;
  }
  if (B > 2 && L > 2) valid[2 * L + 1] = 0;
  c.valid = Tensor::from_vector_i64(valid, {B, L});
  c.heads = H;
  return c;
}

cpu::AttentionDims dims_of(const Case& c) { return {c.q.size(0), c.q.size(1), c.heads, c.q.size(2) / c.heads}; }

// The seed attention() draws from an Rng seeded with `rng_seed`.
uint64_t seed_drawn(uint64_t rng_seed) { return Rng(rng_seed).next_u64(); }

Tensor run(const Case& c, const std::vector<Tensor>& x, float p, bool training, uint64_t rng_seed) {
  Rng rng(rng_seed);
  return attention(x[0], x[1], x[2], c.valid, c.heads, p, training, rng);
}

struct Reference {
  std::vector<float> out, prob, dq, dk, dv;
};

Reference reference(const Case& c, const Tensor& dout, float p, uint64_t seed) {
  const cpu::AttentionDims dims = dims_of(c);
  Reference r;
  const size_t n = static_cast<size_t>(c.q.numel());
  r.out.resize(n);
  r.dq.resize(n);
  r.dk.resize(n);
  r.dv.resize(n);
  r.prob.resize(static_cast<size_t>(dims.B * dims.H * dims.L * dims.L));
  std::vector<float> q = c.q.to_vector(), k = c.k.to_vector(), v = c.v.to_vector(), g = dout.to_vector();
  std::vector<int64_t> valid = c.valid.defined() ? c.valid.to_vector_i64() : std::vector<int64_t>();
  const int64_t* vp = c.valid.defined() ? valid.data() : nullptr;
  cpu::attention_reference_forward(r.out.data(), r.prob.data(), q.data(), k.data(), v.data(), vp, dims, p, seed);
  cpu::attention_reference_backward(r.dq.data(), r.dk.data(), r.dv.data(), g.data(), q.data(), k.data(), v.data(), vp,
                                    dims, p, seed);
  return r;
}

// Forward and the three gradients of the op against the reference; returns the worst error seen.
double check_against_reference(const Case& c, float p) {
  const uint64_t rng_seed = 17;
  std::vector<Tensor> x{c.q, c.k, c.v};
  for (Tensor& t : x) t.zero_grad();
  Rng rng(5);
  Tensor dout = random_tensor(c.q.shape(), rng);
  Tensor y = run(c, x, p, true, rng_seed);
  Reference r = reference(c, dout, p, seed_drawn(rng_seed));
  y.backward(dout);
  double worst = max_abs_diff(y.to_vector(), r.out);
  check_close(y, r.out, 1e-5, 1e-5);
  const std::vector<float>* expected[3] = {&r.dq, &r.dk, &r.dv};
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    check_close(x[i].grad(), *expected[i], 1e-5, 1e-4);
    worst = std::max(worst, max_abs_diff(x[i].grad().to_vector(), *expected[i]));
  }
  MESSAGE("attention vs reference, p = ", p, ": max abs error ", worst);
  return worst;
}

}  // namespace

TEST_CASE("attention: different dropout seeds give different outputs") {
  Case c = padded_case(false);
  CHECK(run(c, {c.q, c.k, c.v}, 0.3f, true, 1).to_vector() != run(c, {c.q, c.k, c.v}, 0.3f, true, 2).to_vector());
}

TEST_CASE("attention: several row blocks and any thread count give the reference and the same bits") {
  // L = 200: four full row blocks of 48 and a partial one; 2 pairs, so the backward groups differ too.
  Case c = padded_case(true, 2, 200, 1, 16);
  const int saved_threads = omp_get_max_threads();
  std::vector<std::vector<float>> results[2];
  for (int mode = 0; mode < 2; ++mode) {
    omp_set_num_threads(mode == 0 ? 1 : 3);
    check_against_reference(c, 0.2f);  // leaves the gradients of this run in c.q, c.k, c.v
    results[mode].push_back(run(c, {c.q.detach(), c.k, c.v}, 0.2f, true, 17).to_vector());
    for (Tensor* t : {&c.q, &c.k, &c.v}) results[mode].push_back(t->grad().to_vector());
  }
  omp_set_num_threads(saved_threads);
  for (size_t i = 0; i < results[0].size(); ++i) {
    CAPTURE(i);
    CHECK(results[0][i] == results[1][i]);
  }
}

TEST_CASE("attention: the reference matches a plain triple loop") {
  // 1 batch row, L = 4 (key 2 padded), 2 heads of d = 3: softmax attention written out from scratch.
  const int64_t L = 4, H = 2, d = 3, D = H * d;
  Rng rng(92);
  Case c{random_tensor({1, L, D}, rng), random_tensor({1, L, D}, rng), random_tensor({1, L, D}, rng),
         Tensor::from_vector_i64({1, 1, 0, 1}, {1, L}), H};
  std::vector<float> q = c.q.to_vector(), k = c.k.to_vector(), v = c.v.to_vector();
  std::vector<float> expected(L * D);
  for (int64_t h = 0; h < H; ++h)
    for (int64_t i = 0; i < L; ++i) {
      double w[L], z = 0;
      for (int64_t j = 0; j < L; ++j) {
        double s = 0;
        for (int64_t t = 0; t < d; ++t) s += q[i * D + h * d + t] * k[j * D + h * d + t];
        w[j] = j == 2 ? 0.0 : std::exp(s / std::sqrt(3.0));  // no max subtraction: the values are small
        z += w[j];
      }
      for (int64_t t = 0; t < d; ++t) {
        double o = 0;
        for (int64_t j = 0; j < L; ++j) o += w[j] / z * v[j * D + h * d + t];
        expected[i * D + h * d + t] = static_cast<float>(o);
      }
    }
  Reference r = reference(c, Tensor::zeros(c.q.shape()), 0.f, 0);
  check_close(Tensor::from_vector(r.out, c.q.shape()), expected, 1e-6, 1e-6);
  Rng unused(1);
  Tensor y = attention(c.q, c.k, c.v, c.valid, H, 0.f, true, unused);
  check_close(y, expected, 1e-6, 1e-5);
  MESSAGE("reference vs triple loop: ", max_abs_diff(r.out, expected),
          ", op vs triple loop: ", max_abs_diff(y.to_vector(), expected));
  // The padded key's probability is exactly 0 in the reference's P.
  for (int64_t row = 0; row < H * L; ++row) CHECK(r.prob[row * L + 2] == 0.f);
}

TEST_CASE("attention: padded keys get exactly zero weight and zero key and value gradients") {
  Case c = padded_case(true);
  const int64_t D = c.q.size(2);
  std::vector<int64_t> valid = c.valid.to_vector_i64();
  Tensor y = run(c, {c.q, c.k, c.v}, 0.f, true, 3);
  std::vector<float> k2 = c.k.to_vector(), v2 = c.v.to_vector();
  for (size_t i = 0; i < valid.size(); ++i)
    if (!valid[i])
      for (int64_t ch = 0; ch < D; ++ch) {
        k2[i * D + ch] += 50.f;
        v2[i * D + ch] = 1e6f;
      }
  Tensor k2t = Tensor::from_vector(k2, c.k.shape()), v2t = Tensor::from_vector(v2, c.v.shape());
  CHECK(run(c, {c.q, k2t, v2t}, 0.f, true, 3).to_vector() == y.to_vector());
  Rng rng(6);
  y.backward(random_tensor(y.shape(), rng));
  std::vector<float> dk = c.k.grad().to_vector(), dv = c.v.grad().to_vector();
  for (size_t i = 0; i < valid.size(); ++i)
    if (!valid[i])
      for (int64_t ch = 0; ch < D; ++ch) {
        CHECK(dk[i * D + ch] == 0.f);
        CHECK(dv[i * D + ch] == 0.f);
      }
}

TEST_CASE("attention: eval mode ignores dropout and leaves the Rng alone") {
  Case c = padded_case(false);
  Rng a(4), b(4);
  Tensor eval = attention(c.q, c.k, c.v, c.valid, c.heads, 0.5f, false, a);
  Tensor plain = attention(c.q, c.k, c.v, c.valid, c.heads, 0.f, true, b);
  CHECK(eval.to_vector() == plain.to_vector());
  CHECK(a.state_str() == Rng(4).state_str());
  Tensor train = attention(c.q, c.k, c.v, c.valid, c.heads, 0.5f, true, a);
  CHECK(train.to_vector() != plain.to_vector());
  CHECK(a.state_str() != Rng(4).state_str());
}

TEST_CASE("attention: any input layout gives the same result") {
  Case c = padded_case(false);
  // q as a permuted view of a [L, B, D] tensor
  Tensor q_lbd = contiguous(c.q.permute({1, 0, 2}));
  Tensor q_view = q_lbd.permute({1, 0, 2});
  REQUIRE(!q_view.is_contiguous());
  Rng a(8), b(8);
  CHECK(attention(q_view, c.k, c.v, c.valid, c.heads, 0.2f, true, a).to_vector() ==
        attention(c.q, c.k, c.v, c.valid, c.heads, 0.2f, true, b).to_vector());
}

TEST_CASE("attention: the dropped fraction of P is close to p and kept weights are scaled by 1 over 1 - p") {
  // V_h = identity (d = L) turns out_h into P' itself.
  const int64_t B = 2, L = 64, H = 2, d = L, D = H * d;
  const float p = 0.3f;
  Rng rng(93);
  Tensor q = random_tensor({B, L, D}, rng), k = random_tensor({B, L, D}, rng);
  std::vector<float> eye(B * L * D, 0.f);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t j = 0; j < L; ++j) eye[(b * L + j) * D + h * d + j] = 1.f;
  Tensor v = Tensor::from_vector(eye, {B, L, D});
  Rng r1(12), r0(12);
  std::vector<float> dropped = attention(q, k, v, Tensor(), H, p, true, r1).to_vector();
  std::vector<float> plain = attention(q, k, v, Tensor(), H, p, false, r0).to_vector();
  int64_t zeros = 0, bad = 0;
  for (size_t i = 0; i < dropped.size(); ++i) {
    REQUIRE(plain[i] > 0.f);
    if (dropped[i] == 0.f)
      ++zeros;
    else if (std::abs(dropped[i] - plain[i] / (1.f - p)) > 1e-6f + 1e-5f * plain[i])
      ++bad;
  }
  const double fraction = static_cast<double>(zeros) / static_cast<double>(dropped.size());
  MESSAGE("dropped fraction ", fraction, " of ", dropped.size(), " at p = ", p);
  CHECK(fraction == doctest::Approx(p).epsilon(0.05));
  CHECK(bad == 0);
}

TEST_CASE("attention rejects bad arguments") {
  Case c = padded_case(false);
  Rng rng(1);
  auto call = [&](const Tensor& q, const Tensor& k, const Tensor& valid, int64_t heads, float p) {
    return attention(q, k, c.v, valid, heads, p, true, rng);
  };
  CHECK_THROWS_WITH_AS(call(c.q, c.k.slice(1, 0, 12), c.valid, 2, 0.f), doctest::Contains("must have shape"), Error);
  CHECK_THROWS_WITH_AS(call(c.q.reshape({3, 13, 2, 8}), c.k, c.valid, 2, 0.f), doctest::Contains("must have 3 dims"),
                       Error);
  CHECK_THROWS_WITH_AS(call(c.q, c.k, c.valid, 3, 0.f), doctest::Contains("not a multiple of num_heads"), Error);
  CHECK_THROWS_WITH_AS(call(c.q, c.k, c.valid, 0, 0.f), doctest::Contains("not a multiple of num_heads"), Error);
  CHECK_THROWS_WITH_AS(call(c.q, c.k, c.valid, 2, 1.f), doctest::Contains("[0, 1)"), Error);
  CHECK_THROWS_WITH_AS(call(c.q, c.k, c.valid, 2, -0.1f), doctest::Contains("[0, 1)"), Error);
  std::vector<int64_t> valid = c.valid.to_vector_i64();
  for (int64_t l = 0; l < 13; ++l) valid[13 + l] = 0;
  CHECK_THROWS_WITH_AS(call(c.q, c.k, Tensor::from_vector_i64(valid, {3, 13}), 2, 0.f),
                       doctest::Contains("row 1 of key_valid [3, 13] has no real key"), Error);
  valid[13] = 2;
  CHECK_THROWS_WITH_AS(call(c.q, c.k, Tensor::from_vector_i64(valid, {3, 13}), 2, 0.f),
                       doctest::Contains("must hold 0 or 1"), Error);
  CHECK_THROWS_WITH_AS(call(c.q, c.k, c.valid.slice(1, 0, 12), 2, 0.f), doctest::Contains("key_valid must have shape"),
                       Error);
  CHECK_THROWS_WITH_AS(call(c.q, c.k, Tensor::ones({3, 13}), 2, 0.f), doctest::Contains("key_valid must be int64"),
                       Error);
}

TEST_CASE("attention: between forward and backward CUDA holds only P and the output" * doctest::test_suite("gpu")) {
  if (skip_without_gpu()) return;
  for (int64_t L : {13, 300}) {
    Case c = padded_case(true, 3, L, 2, 8);
    for (float p : {0.f, 0.3f}) {
      CAPTURE(L);
      CAPTURE(p);
      std::vector<Tensor> x{c.q, c.k, c.v}, xg;
      for (Tensor& t : x) {
        t.zero_grad();
        xg.push_back(t.detach().to(Device::cuda()).set_requires_grad(true));
      }
      Case cg = c;
      cg.valid = c.valid.to(Device::cuda());
      Rng rng(11);
      Tensor w = random_tensor(c.q.shape(), rng);
      Tensor y = run(c, x, p, true, 29);
      cuda_synchronize();
      const size_t before = memory_stats(Device::cuda()).in_use;
      Tensor yg = run(cg, xg, p, true, 29);
      cuda_synchronize();
      // Held between forward and backward: the output and P, nothing else (sizes rounded up as the caching
      // allocator in core/cuda_allocator.cu does: 512 bytes, or 2 MiB above 1 MiB).
      auto rounded = [](size_t n) {
        const size_t unit = n > (1u << 20) ? (2u << 20) : 512;
        return (n + unit - 1) / unit * unit;
      };
      const size_t held = memory_stats(Device::cuda()).in_use - before;
      const size_t P_bytes = static_cast<size_t>(3 * 2 * L * L) * 4, out_bytes = static_cast<size_t>(y.numel()) * 4;
      CHECK(held <= rounded(P_bytes) + rounded(out_bytes));
    }
  }
}
