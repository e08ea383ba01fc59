// A two-layer MLP learns which of three rings a 2-D point lies on, with the public API only: Tensor,
// the ops of autograd/ops.h, nn::Module + nn::Linear, train::AdamW. Exits 1 if it did not learn.
//   build/example_mlp [--quick]      (docs/tutorial.md walks through it)
#include <cmath>
#include <cstdio>
#include <cstring>

#include "autograd/grad_mode.h"
#include "core/omp_wait_policy.h"
#include "nn/layers.h"
#include "train/optimizer.h"

using namespace ponet;

struct Mlp : nn::Module {
  explicit Mlp(const nn::Init& init)
      : fc1(register_module("fc1", std::make_shared<nn::Linear>(2, 64, init))),
        fc2(register_module("fc2", std::make_shared<nn::Linear>(64, 3, init))) {}
  Tensor forward(const Tensor& x) const { return fc2->forward(tanh(fc1->forward(x, Precision::fp32)), Precision::fp32); }  // [N, 2] -> [N, 3]
  std::shared_ptr<nn::Linear> fc1, fc2;
};

// n points uniform in the disc of radius 3; the label is the ring: r < 1, 1 <= r < 2, r >= 2.
static void make_rings(int64_t n, Rng& rng, Device dev, Tensor& x, Tensor& y) {
  std::vector<float> xs(2 * n);
  std::vector<int64_t> ys(n);
  for (int64_t i = 0; i < n; ++i) {
    float r = 3.f * std::sqrt(rng.uniform()), a = 6.2831853f * rng.uniform();
    xs[2 * i] = r * std::cos(a), xs[2 * i + 1] = r * std::sin(a);
    ys[i] = r < 1.f ? 0 : r < 2.f ? 1 : 2;
  }
  x = Tensor::from_vector(xs, {n, 2}, dev), y = Tensor::from_vector_i64(ys, {n}, dev);
}

int main(int argc, char** argv) {
  choose_omp_wait_policy(argv);  // first: on a busy machine, re-runs itself with passive OpenMP waiting
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const int steps = quick ? 200 : 1000;
  const Device dev = cuda_available() ? Device::cuda() : Device::cpu();
  Rng rng(7);
  Mlp model(nn::Init{&rng, 0.5f, nn::Init::Scheme::torch});
  model.to(dev);
  train::AdamW opt(model.named_parameters(), {/*lr=*/2e-2f, 0.9f, 0.999f, 1e-8f, /*weight_decay=*/0.f});
  Tensor x, y, test_x, test_y;
  make_rings(512, rng, dev, test_x, test_y);
  float first = 0.f, last = 0.f;
  for (int step = 1; step <= steps; ++step) {
    make_rings(128, rng, dev, x, y);  // a fresh batch
    Tensor loss = cross_entropy(model.forward(x), y);
    opt.zero_grad();
    loss.backward();
    opt.step();
    last = loss.item();
    if (step == 1) first = last;
    if (step == 1 || step % (steps / 5) == 0) std::printf("step %4d  loss %.4f\n", step, last);
  }
  autograd::NoGrad no_grad;  // evaluation records no graph
  std::vector<float> logits = model.forward(test_x).to_vector();
  std::vector<int64_t> labels = test_y.to_vector_i64();
  int64_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const float* l = &logits[3 * i];
    int64_t best = l[1] > l[0] ? 1 : 0;
    if (l[2] > l[best]) best = 2;
    correct += best == labels[i];
  }
  const double accuracy = double(correct) / labels.size();
  std::printf("on %s: loss %.4f -> %.4f, held-out accuracy %.1f %%\n", dev.str().c_str(), first, last, 100 * accuracy);
  const bool learned = std::isfinite(last) && last < 0.5f * first && accuracy > 0.8;  // chance is about 1/3
  if (!learned) std::printf("FAIL: the loss did not fall enough\n");
  return learned ? 0 : 1;
}
