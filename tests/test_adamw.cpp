// AdamW: two steps against the formulas evaluated by hand in double (decay only on the right names),
// state save/restore, error cases, and the CUDA kernel against the CPU one.
#include <cmath>

#include "io/safetensors.h"
#include "kernels/cpu/adamw.h"
#include "test_util.h"
#include "train/optimizer.h"

using namespace ponet;
using namespace ponet::testing;
using ponet::train::AdamW;
using ponet::train::AdamWOptions;

namespace {

// One parameter's expected trajectory, in double, straight from the AdamW paper / torch.optim.AdamW.
struct Reference {
  std::vector<double> p, m, v;
  explicit Reference(const std::vector<float>& init) : p(init.begin(), init.end()), m(init.size()), v(init.size()) {}
  void step(const std::vector<float>& g, int t, double lr, const AdamWOptions& o, bool decay) {
    const double bc1 = 1 - std::pow(double(o.beta1), t), bc2 = 1 - std::pow(double(o.beta2), t);
    for (size_t i = 0; i < p.size(); ++i) {
      if (decay) p[i] -= lr * o.weight_decay * p[i];
      m[i] = o.beta1 * m[i] + (1 - double(o.beta1)) * g[i];
      v[i] = o.beta2 * v[i] + (1 - double(o.beta2)) * double(g[i]) * g[i];
      const double m_hat = m[i] / bc1, v_hat = v[i] / bc2;
      p[i] -= lr * m_hat / (std::sqrt(v_hat) + o.eps);
    }
  }
  std::vector<float> values() const { return std::vector<float>(p.begin(), p.end()); }
};

Tensor param(const std::vector<float>& values, const Shape& shape) {
  Tensor t = Tensor::from_vector(values, shape);
  t.set_requires_grad(true);
  return t;
}

}  // namespace

TEST_CASE("adamw: default decay filter skips biases and LayerNorm") {
  using ponet::train::default_weight_decay_filter;
  CHECK(default_weight_decay_filter("encoder.layer.0.intermediate.dense.weight"));
  CHECK(default_weight_decay_filter("embeddings.word_embeddings.weight"));
  CHECK_FALSE(default_weight_decay_filter("encoder.layer.0.intermediate.dense.bias"));
  CHECK_FALSE(default_weight_decay_filter("cls.predictions.bias"));
  CHECK_FALSE(default_weight_decay_filter("embeddings.LayerNorm.weight"));
  CHECK_FALSE(default_weight_decay_filter("encoder.layer.1.output.LayerNorm.bias"));
}

TEST_CASE("adamw: two steps match the formulas computed by hand, decay only where selected") {
  AdamWOptions o;
  o.weight_decay = 0.1f;
  const std::vector<float> w0 = {0.5f, -1.f, 2.f, 0.25f}, b0 = {1.f, -2.f}, ln0 = {1.5f, 0.75f}, frozen0 = {3.f};
  Tensor w = param(w0, {2, 2}), b = param(b0, {2}), ln = param(ln0, {2}), frozen = param(frozen0, {1});
  AdamW opt({{"dense.weight", w}, {"dense.bias", b}, {"LayerNorm.weight", ln}, {"frozen.weight", frozen}}, o);
  CHECK(opt.decays("dense.weight"));
  CHECK_FALSE(opt.decays("dense.bias"));
  CHECK_FALSE(opt.decays("LayerNorm.weight"));

  Reference rw(w0), rb(b0), rln(ln0);
  const std::vector<std::vector<float>> gw = {{0.1f, -0.2f, 0.3f, 0.f}, {-0.5f, 0.05f, 0.3f, 1.f}};
  const std::vector<std::vector<float>> gb = {{1.f, -1.f}, {0.25f, 2.f}};
  const std::vector<std::vector<float>> gln = {{-0.3f, 0.7f}, {0.1f, -0.1f}};
  const float lrs[2] = {0.1f, 0.05f};
  for (int s = 0; s < 2; ++s) {
    w.set_grad(Tensor::from_vector(gw[s], {2, 2}));
    b.set_grad(Tensor::from_vector(gb[s], {2}));
    ln.set_grad(Tensor::from_vector(gln[s], {2}));
    opt.step(lrs[s]);  // `frozen` has no gradient and must stay as it is
    rw.step(gw[s], s + 1, lrs[s], o, true);
    rb.step(gb[s], s + 1, lrs[s], o, false);
    rln.step(gln[s], s + 1, lrs[s], o, false);
    CHECK(opt.steps_taken() == s + 1);
    check_close(w, rw.values(), 1e-6, 1e-5);
    check_close(b, rb.values(), 1e-6, 1e-5);
    check_close(ln, rln.values(), 1e-6, 1e-5);
    check_close(frozen, frozen0, 0, 0);
  }
  // The test can tell decay from no decay: decaying the bias would have moved it by far more than
  // the tolerance.
  Reference rb_decayed(b0);
  rb_decayed.step(gb[0], 1, lrs[0], o, true);
  rb_decayed.step(gb[1], 2, lrs[1], o, true);
  CHECK(std::abs(rb_decayed.p[0] - rb.p[0]) > 1e-3);

  // The moments are exposed under their documented names.
  std::map<std::string, Tensor> state;
  for (auto& [name, t] : opt.state()) state[name] = t;
  CHECK(state.size() == 8);
  check_close(state.at("exp_avg.dense.weight"), std::vector<float>(rw.m.begin(), rw.m.end()), 1e-7, 1e-5);
  check_close(state.at("exp_avg_sq.dense.bias"), std::vector<float>(rb.v.begin(), rb.v.end()), 1e-9, 1e-5);
  check_close(state.at("exp_avg.frozen.weight"), {0.f}, 0, 0);

  opt.zero_grad();
  CHECK_FALSE(w.grad().defined());
  CHECK_FALSE(b.grad().defined());
}

TEST_CASE("adamw: set_beta1 changes beta1 from the next step, bias correction with the current beta1") {
  // OneCycleLR moves beta1 every step (train/schedule.h); torch.optim.AdamW then corrects with beta1^t of
  // the beta1 in force at step t
  AdamWOptions o;
  o.weight_decay = 0.f;
  o.eps = 1e-6f;
  Tensor w = param({0.5f, -1.f, 2.f}, {3});
  AdamW opt({{"w", w}}, o);
  Reference ref(w.to_vector());
  const float betas[] = {0.95f, 0.9f, 0.87f, 0.85f};
  for (int t = 1; t <= 4; ++t) {
    opt.set_beta1(betas[t - 1]);
    o.beta1 = betas[t - 1];
    const std::vector<float> g = {0.1f * t, -0.3f, 0.05f * t * t};
    w.set_grad(Tensor::from_vector(g, {3}));
    opt.step(1e-2f);
    ref.step(g, t, 1e-2, o, false);
  }
  check_close(w, ref.values(), 1e-6, 1e-6);
  CHECK_THROWS_WITH_AS(opt.set_beta1(1.f), doctest::Contains("beta1 must be in [0, 1)"), ponet::Error);
}

TEST_CASE("adamw: kernel, first step from zero moments moves each element by about lr") {
  // After one step from zero moments, m_hat = g and v_hat = g^2, so p moves by lr * g / (|g| + eps).
  std::vector<float> p = {1.f, 1.f, 1.f}, g = {0.5f, -3.f, 1e-3f}, m(3, 0.f), v(3, 0.f);
  cpu::adamw_update(p.data(), g.data(), m.data(), v.data(), 3, 0.01f, 0.9f, 0.999f, 1e-8f, 0.f, 0.1f, 0.001f);
  CHECK(p[0] == doctest::Approx(0.99).epsilon(1e-5));
  CHECK(p[1] == doctest::Approx(1.01).epsilon(1e-5));
  CHECK(p[2] == doctest::Approx(0.99).epsilon(1e-4));
}

TEST_CASE("adamw: state round trip through safetensors resumes identically") {
  AdamWOptions o;
  Rng rng(11);
  Tensor a = random_tensor({3, 4}, rng, true), c = random_tensor({4}, rng, true);
  AdamW opt({{"a.weight", a}, {"c.bias", c}}, o);
  std::vector<Tensor> grads;
  for (int i = 0; i < 6; ++i) grads.push_back(random_tensor(i % 2 ? Shape{4} : Shape{3, 4}, rng));
  for (int s = 0; s < 2; ++s) {
    a.set_grad(grads[2 * s]);
    c.set_grad(grads[2 * s + 1]);
    opt.step(0.01f);
  }
  // The second optimizer's parameters get the first one's values, then its saved state.
  Tensor a2 = a.clone().set_requires_grad(true);
  Tensor c2 = c.clone().set_requires_grad(true);
  auto file = io::parse_safetensors(io::serialize_safetensors(opt.state()), "state");
  AdamW resumed({{"a.weight", a2}, {"c.bias", c2}}, o);
  resumed.load_state(file.tensors, opt.steps_taken());
  CHECK(resumed.steps_taken() == 2);

  a.set_grad(grads[4]);
  c.set_grad(grads[5]);
  a2.set_grad(grads[4]);
  c2.set_grad(grads[5]);
  opt.step(0.01f);
  resumed.step(0.01f);
  check_close(a2, a, 0, 0);
  check_close(c2, c, 0, 0);

  // A fresh optimizer (no state loaded) would have ended elsewhere: the round trip matters.
  Tensor a3 = file.tensors.at("exp_avg.a.weight");
  CHECK(max_abs_diff(a3.to_vector(), std::vector<float>(12, 0.f)) > 0);
}

TEST_CASE("adamw: bad parameters, options and states are rejected") {
  Tensor w = param({1, 2}, {2});
  CHECK_THROWS_WITH_AS(AdamW({{"w", w}, {"w", w}}), doctest::Contains("appears twice"), Error);
  CHECK_THROWS_WITH_AS(AdamW({{"w", Tensor()}}), doctest::Contains("undefined"), Error);
  CHECK_THROWS_WITH_AS(AdamW({{"ids", Tensor::zeros({2}, DType::I64)}}), doctest::Contains("float32"), Error);
  CHECK_THROWS_WITH_AS(AdamW({{"t", Tensor::zeros({2, 3}).transpose(0, 1)}}), doctest::Contains("contiguous"), Error);
  AdamWOptions bad;
  bad.beta1 = 1.f;
  CHECK_THROWS_WITH_AS(AdamW({{"w", w}}, bad), doctest::Contains("betas"), Error);
  bad = AdamWOptions{};
  bad.eps = 0.f;
  CHECK_THROWS_WITH_AS(AdamW({{"w", w}}, bad), doctest::Contains("eps"), Error);
  bad = AdamWOptions{};
  bad.weight_decay = -1.f;
  CHECK_THROWS_WITH_AS(AdamW({{"w", w}}, bad), doctest::Contains("weight_decay"), Error);

  AdamW opt({{"w", w}});
  CHECK_THROWS_WITH_AS(opt.step(-1.f), doctest::Contains("lr"), Error);
  CHECK_THROWS_WITH_AS(opt.step(NAN), doctest::Contains("lr"), Error);
  CHECK_THROWS_WITH_AS(opt.decays("nope"), doctest::Contains("nope"), Error);

  std::map<std::string, Tensor> state = {{"exp_avg.w", Tensor::zeros({2})}, {"exp_avg_sq.w", Tensor::zeros({2})}};
  CHECK_NOTHROW(opt.load_state(state, 3));
  CHECK(opt.steps_taken() == 3);
  CHECK_THROWS_WITH_AS(opt.load_state(state, -1), doctest::Contains("steps_taken"), Error);
  auto missing = state;
  missing.erase("exp_avg_sq.w");
  CHECK_THROWS_WITH_AS(opt.load_state(missing, 0), doctest::Contains("missing entry 'exp_avg_sq.w'"), Error);
  auto wrong_shape = state;
  wrong_shape["exp_avg.w"] = Tensor::zeros({3});
  CHECK_THROWS_WITH_AS(opt.load_state(wrong_shape, 0), doctest::Contains("exp_avg.w"), Error);
  auto wrong_dtype = state;
  wrong_dtype["exp_avg.w"] = Tensor::zeros({2}, DType::I64);
  CHECK_THROWS_WITH_AS(opt.load_state(wrong_dtype, 0), doctest::Contains("float32"), Error);
  auto extra = state;
  extra["exp_avg.other"] = Tensor::zeros({2});
  CHECK_THROWS_WITH_AS(opt.load_state(extra, 0), doctest::Contains("names no parameter"), Error);
  CHECK(opt.steps_taken() == 3);  // failed loads changed nothing
  auto unrelated = state;
  unrelated["model.w"] = Tensor::zeros({5});
  CHECK_NOTHROW(opt.load_state(unrelated, 1));
}

TEST_CASE("adamw: CUDA update matches CPU" * doctest::test_suite("gpu")) {
  if (skip_without_gpu()) return;
  AdamWOptions o;
  o.weight_decay = 0.05f;
  Rng rng(5);
  Tensor w_cpu = random_tensor({64, 33}, rng, true), b_cpu = random_tensor({33}, rng, true);
  Tensor w_gpu = w_cpu.detach().to(Device::cuda()), b_gpu = b_cpu.detach().to(Device::cuda());
  w_gpu.set_requires_grad(true);
  b_gpu.set_requires_grad(true);
  AdamW cpu_opt({{"w.weight", w_cpu}, {"w.bias", b_cpu}}, o), gpu_opt({{"w.weight", w_gpu}, {"w.bias", b_gpu}}, o);
  for (int s = 0; s < 3; ++s) {
    Tensor gw = random_tensor({64, 33}, rng), gb = random_tensor({33}, rng);
    w_cpu.set_grad(gw);
    b_cpu.set_grad(gb);
    w_gpu.set_grad(gw.to(Device::cuda()));
    b_gpu.set_grad(gb.to(Device::cuda()));
    cpu_opt.step(0.01f);
    gpu_opt.step(0.01f);
  }
  check_close(w_gpu, w_cpu, 1e-6, 1e-5);
  check_close(b_gpu, b_cpu, 1e-6, 1e-5);
  auto sc = cpu_opt.state(), sg = gpu_opt.state();
  for (size_t i = 0; i < sc.size(); ++i) check_close(sg[i].second, sc[i].second, 1e-7, 1e-4);
}
