// Uses the installed library as an outside program would:
//   1. y = sum(w2 * tanh(x W^T + b)), backpropagated; dW checked by central differences (two forwards per
//      element), and on a GPU, the same graph on CUDA against the CPU;
//   2. an op defined here with a hand-written backward (autograd::record), checked by autograd::gradcheck,
//      which must also reject a deliberately wrong backward.
// Exits 1 on any wrong or non-finite value.
#include <cmath>
#include <cstdio>

#include "autograd/grad_mode.h"
#include "autograd/gradcheck.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/tensor.h"

using namespace ponet;

static Tensor forward(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& w2) {
  return sum_all(mul(tanh(linear(x, w, b)), w2));  // x [3, 4], w [2, 4], b [2], w2 [3, 2] -> []
}

static bool close(double got, double want, double tol, const char* what, int i) {
  const bool ok = std::isfinite(got) && std::isfinite(want) && std::fabs(got - want) <= tol * (1 + std::fabs(want));
  if (!ok) std::printf("FAIL: %s[%d] = %.6f, expected %.6f\n", what, i, got, want);
  return ok;
}

// dy/dw[i] by central differences, with no graph recorded.
static double numeric_grad(const Tensor& x, std::vector<float> w, int i, const Tensor& b, const Tensor& w2) {
  autograd::NoGrad no_grad;
  const float eps = 1e-2f, saved = w[i];
  w[i] = saved + eps;
  const double up = forward(x, Tensor::from_vector(w, {2, 4}), b, w2).item();
  w[i] = saved - eps;
  const double down = forward(x, Tensor::from_vector(w, {2, 4}), b, w2).item();
  return (up - down) / (2 * eps);
}

// x * x with its backward by hand: d(x^2)/dx = 2x, times the incoming gradient g. `factor` is 2 for the
// right derivative; anything else is a bug gradcheck must catch.
static Tensor square(const Tensor& x, float factor = 2.f) {
  Tensor out;
  {
    autograd::NoGrad no_grad;  // the forward's own ops record nothing: this op's node replaces them
    out = mul(x, x);
  }
  Tensor xd = x.detach();  // what backward reads
  return autograd::record("square", out, {x},
                          [xd, factor](const Tensor& g) { return std::vector<Tensor>{scale(mul(g, xd), factor)}; });
}

int main() {
  if (cuda_compiled() != bool(CONSUMER_EXPECT_CUDA)) {
    std::printf("FAIL: the package says CUDA %d but the library says %d\n", CONSUMER_EXPECT_CUDA, cuda_compiled());
    return 1;
  }
  Rng rng(5);
  Tensor x = Tensor::randn({3, 4}, rng), w = Tensor::randn({2, 4}, rng).set_requires_grad(true);
  Tensor b = Tensor::randn({2}, rng), w2 = Tensor::randn({3, 2}, rng);
  forward(x, w, b, w2).backward();
  const std::vector<float> grad = w.grad().to_vector();
  bool ok = grad.size() == 8;
  for (int i = 0; ok && i < 8; ++i) ok = close(grad[i], numeric_grad(x, w.to_vector(), i, b, w2), 1e-3, "dW", i);

  Tensor z = Tensor::randn({3, 5}, rng).set_requires_grad(true);
  autograd::GradcheckResult right =
      autograd::gradcheck([](const std::vector<Tensor>& in) { return square(in[0]); }, {z});
  autograd::GradcheckResult wrong =
      autograd::gradcheck([](const std::vector<Tensor>& in) { return square(in[0], 2.1f); }, {z});
  if (!right.ok) std::printf("FAIL: gradcheck of square: %s\n", right.message.c_str());
  if (wrong.ok) std::printf("FAIL: gradcheck accepted a backward 5 %% off\n");
  ok = ok && right.ok && !wrong.ok;

  if (ok && cuda_available()) {  // the same graph on the GPU must give the CPU's gradient
    const Device gpu = Device::cuda();
    Tensor wc = w.detach().to(gpu).set_requires_grad(true);
    forward(x.to(gpu), wc, b.to(gpu), w2.to(gpu)).backward();
    const std::vector<float> grad_gpu = wc.grad().to_vector();
    for (int i = 0; ok && i < 8; ++i) ok = close(grad_gpu[i], grad[i], 1e-4, "dW on cuda", i);
  }
  std::printf("%s: dW checked by central differences, square by gradcheck%s\n", ok ? "ok" : "FAIL",
              cuda_available() ? " and on cuda" : " (no CUDA device: CPU only)");
  return ok ? 0 : 1;
}
