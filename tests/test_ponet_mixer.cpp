// The fused PoNet mixer op against (a) a plain double-precision loop written from the reference
// semantics, (b) the composed op-by-op version in nn/ponet_mixer.cpp; gradcheck on all five inputs.
#include <cmath>

#include "nn/mixers/ponet.h"
#include "nn/segment_index.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {

struct Case {
  Tensor q, k, o, local, segment, valid, segment_ids, special;
  int64_t heads;
};

// [CLS] a b [SEP] c d [SEP] pad pad, derived segments 0 1 1 2 3 3 4 5 5; and a second, full row.
Case special_token_case(bool requires_grad) {
  const int64_t B = 2, L = 9, D = 8;
  Rng rng(81);
  Case c;
  for (Tensor* t : {&c.q, &c.k, &c.o, &c.local, &c.segment}) *t = random_tensor({B, L, D}, rng, requires_grad);
  Tensor ids = Tensor::from_vector_i64({101, 5, 6, 102, 7, 8, 102, 0, 0, /**/ 101, 9, 102, 10, 11, 12, 13, 14, 102}, {B, L});
  c.valid = Tensor::from_vector_i64({1, 1, 1, 1, 1, 1, 1, 0, 0, /**/ 1, 1, 1, 1, 1, 1, 1, 1, 1}, {B, L});
  c.segment_ids = nn::derive_segment_index(ids, 101, 102);
  c.special = nn::special_token_mask(ids, 101, 102);
  c.heads = 2;
  return c;
}

// LRA style: fixed chunks, no special tokens, padding at the end of the first row.
Case lra_case(bool requires_grad) {
  const int64_t B = 2, L = 10, D = 6;
  Rng rng(82);
  Case c;
  for (Tensor* t : {&c.q, &c.k, &c.o, &c.local, &c.segment}) *t = random_tensor({B, L, D}, rng, requires_grad);
  c.valid = Tensor::from_vector_i64({1, 1, 1, 1, 1, 1, 1, 0, 0, 0, /**/ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {B, L});
  c.segment_ids = nn::fixed_chunk_segment_index(B, L, 3);
  c.heads = 3;
  return c;
}

// The mixer written as plain loops in double, straight from shared/reference/README.md.
std::vector<float> naive_mixer(const Case& c) {
  const int64_t B = c.q.size(0), L = c.q.size(1), D = c.q.size(2), H = c.heads, d = D / H;
  auto q = c.q.to_vector(), k = c.k.to_vector(), o = c.o.to_vector(), lc = c.local.to_vector(), s = c.segment.to_vector();
  auto valid = c.valid.to_vector_i64(), seg = c.segment_ids.to_vector_i64();
  std::vector<int64_t> special = c.special.defined() ? c.special.to_vector_i64() : std::vector<int64_t>(B * L, 0);
  std::vector<float> y(B * L * D);
  for (int64_t b = 0; b < B; ++b) {
    std::vector<double> g(D, 0.0), v(D, 0.0);
    double n = 0;
    for (int64_t l = 0; l < L; ++l) n += valid[b * L + l];
    for (int64_t l = 0; l < L; ++l)
      for (int64_t ch = 0; ch < D; ++ch) g[ch] += valid[b * L + l] ? q[(b * L + l) * D + ch] / n : 0.0;
    for (int64_t h = 0; h < H; ++h) {
      std::vector<double> score(L);
      double mx = -1e300, z = 0;
      for (int64_t l = 0; l < L; ++l) {
        double dot = 0;
        for (int64_t j = 0; j < d; ++j) dot += g[h * d + j] * k[(b * L + l) * D + h * d + j];
        score[l] = dot / std::sqrt(static_cast<double>(d)) + (valid[b * L + l] ? 0 : -10000);
        mx = std::max(mx, score[l]);
      }
      for (double& x : score) z += (x = std::exp(x - mx));
      for (int64_t l = 0; l < L; ++l)
        for (int64_t j = 0; j < d; ++j) v[h * d + j] += score[l] / z * k[(b * L + l) * D + h * d + j];
    }
    for (int64_t l = 0; l < L; ++l)
      for (int64_t ch = 0; ch < D; ++ch) {
        const int64_t row = b * L + l;
        double smp = -1e300, lmp = -1e300;
        for (int64_t m = 0; m < L; ++m)
          if (seg[b * L + m] == seg[row]) smp = std::max(smp, valid[b * L + m] ? s[(b * L + m) * D + ch] : -10000.0);
        for (int64_t m = std::max<int64_t>(0, l - 1); m <= std::min(L - 1, l + 1); ++m)
          lmp = std::max(lmp, valid[b * L + m] && !special[b * L + m] ? lc[(b * L + m) * D + ch] : -10000.0);
        if (special[row]) smp = lmp = 0;
        y[row * D + ch] = valid[row] ? static_cast<float>((v[ch] + smp) * o[row * D + ch] + lmp) : 0.f;
      }
  }
  return y;
}

Tensor fused(const Case& c, const std::vector<Tensor>& x) {
  return ponet_mixer(x[0], x[1], x[2], x[3], x[4], c.valid, c.segment_ids, c.special, c.heads);
}
Tensor composed(const Case& c, const std::vector<Tensor>& x) {
  return nn::ponet_mixer_composed(x[0], x[1], x[2], x[3], x[4], c.valid, c.segment_ids, c.special, c.heads);
}

void check_case(const Case& c) {
  std::vector<Tensor> x{c.q, c.k, c.o, c.local, c.segment};
  std::vector<float> expected = naive_mixer(c);
  check_close(fused(c, x), expected, 2e-6, 1e-5);
  check_close(composed(c, x), expected, 2e-6, 1e-5);
}

// Gradients of the fused op equal those of the composed op (a different code path through autograd).
void check_fused_gradients_equal_composed(const Case& c) {
  std::vector<Tensor> x{c.q, c.k, c.o, c.local, c.segment};
  Rng rng(9);
  Tensor w = random_tensor(c.q.shape(), rng);
  std::vector<std::vector<float>> grads[2];
  for (int path = 0; path < 2; ++path) {
    for (Tensor& t : x) t.zero_grad();
    (path == 0 ? fused(c, x) : composed(c, x)).backward(w);
    for (Tensor& t : x) grads[path].push_back(t.grad().to_vector());
  }
  for (size_t i = 0; i < x.size(); ++i) {
    CAPTURE(i);
    CHECK(max_abs_diff(grads[0][i], grads[1][i]) < 1e-5);
  }
}

}  // namespace

TEST_CASE("ponet_mixer (fused and composed) matches the plain loop: special tokens and padding") {
  check_case(special_token_case(false));
}

TEST_CASE("ponet_mixer (fused and composed) matches the plain loop: LRA chunks, no special rule") {
  check_case(lra_case(false));
}

TEST_CASE("ponet_mixer: fused gradients equal the composed ones") {
  check_fused_gradients_equal_composed(special_token_case(true));
  check_fused_gradients_equal_composed(lra_case(true));
}

TEST_CASE("ponet_mixer: gradcheck of the fused op on all five inputs") {
  for (Case c : {special_token_case(true), lra_case(true)}) {
    // The pools must not change winners within the finite-difference step: spread the pool inputs.
    for (Tensor* t : {&c.local, &c.segment}) {
      std::vector<float> v = t->to_vector();
      for (size_t i = 0; i < v.size(); ++i) v[i] = 0.07f * static_cast<float>((i * 37) % v.size()) - 1.f;
      *t = Tensor::from_vector(v, t->shape()).set_requires_grad(true);
    }
    check_gradients([&](const std::vector<Tensor>& x) { return fused(c, x); }, {c.q, c.k, c.o, c.local, c.segment});
  }
}

TEST_CASE("ponet_mixer rejects bad arguments") {
  Case c = special_token_case(false);
  auto call = [&](const Tensor& q, const Tensor& valid, const Tensor& seg, int64_t heads) {
    return ponet_mixer(q, c.k, c.o, c.local, c.segment, valid, seg, c.special, heads);
  };
  CHECK_THROWS_WITH_AS(call(c.q, c.valid, c.segment_ids, 3), doctest::Contains("not a multiple of num_heads"), Error);
  CHECK_THROWS_WITH_AS(call(c.q.slice(1, 0, 4), c.valid, c.segment_ids, 2), doctest::Contains("must have shape"), Error);
  Tensor no_real = Tensor::zeros({2, 9}, DType::I64);
  CHECK_THROWS_WITH_AS(call(c.q, no_real, c.segment_ids, 2), doctest::Contains("no real position"), Error);
  Tensor negative = Tensor::from_vector_i64(std::vector<int64_t>(18, -1), {2, 9});
  CHECK_THROWS_WITH_AS(call(c.q, c.valid, negative, 2), doctest::Contains(">= 0"), Error);
}

TEST_CASE("ponet_mixer: CUDA matches CPU, forward and backward" * doctest::test_suite("gpu")) {
  if (skip_without_gpu()) return;
  for (Case c : {special_token_case(true), lra_case(true)}) {
    std::vector<Tensor> x{c.q, c.k, c.o, c.local, c.segment}, xg;
    for (Tensor& t : x) xg.push_back(t.detach().to(Device::cuda()).set_requires_grad(true));
    Case cg = c;
    cg.valid = c.valid.to(Device::cuda());
    cg.segment_ids = c.segment_ids.to(Device::cuda());
    if (c.special.defined()) cg.special = c.special.to(Device::cuda());
    Rng rng(10);
    Tensor w = random_tensor(c.q.shape(), rng);
    Tensor y = fused(c, x), yg = fused(cg, xg);
    check_close(yg, y, 1e-5, 1e-5);
    y.backward(w);
    yg.backward(w.to(Device::cuda()));
    for (size_t i = 0; i < x.size(); ++i) check_close(xg[i].grad(), x[i].grad(), 1e-5, 1e-4);
  }
}
