// cross_entropy: what the op table (tests/ops_table/, rows "cross_entropy": the loss against double with
// ignored targets, ignore_index -100 and inside [0, C), strided logits, gradcheck, CUDA vs CPU) does not
// check: hand-computed values, logits that overflow exp, exactly zero gradients of ignored rows, the
// all-ignored NaN, NaN and inf logits, the gradient on the parallel path (the table's large row has no
// gradcheck), errors on the CPU and on CUDA.
#include <cmath>

#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {

struct Reference {
  double loss = 0.0;
  std::vector<float> grad;  // d loss / d logits
};

// Mean over scored rows of logsumexp(row) - row[target], and its gradient (softmax - onehot) / count,
// in double with the max subtracted.
Reference reference_cross_entropy(const Tensor& logits, const std::vector<int64_t>& targets,
                                  int64_t ignore_index) {
  const int64_t rows = logits.size(0), classes = logits.size(1);
  std::vector<float> x = logits.to_vector();
  Reference ref;
  ref.grad.assign(x.size(), 0.f);
  int64_t count = 0;
  for (int64_t t : targets) count += t != ignore_index;
  for (int64_t r = 0; r < rows; ++r) {
    if (targets[r] == ignore_index) continue;
    double m = -INFINITY, s = 0.0;
    for (int64_t c = 0; c < classes; ++c) m = std::max(m, static_cast<double>(x[r * classes + c]));
    for (int64_t c = 0; c < classes; ++c) s += std::exp(x[r * classes + c] - m);
    const double lse = m + std::log(s);
    ref.loss += (lse - x[r * classes + targets[r]]) / count;
    for (int64_t c = 0; c < classes; ++c) {
      const double p = std::exp(x[r * classes + c] - lse);
      ref.grad[r * classes + c] = static_cast<float>((p - (c == targets[r] ? 1.0 : 0.0)) / count);
    }
  }
  if (count == 0) ref.loss = NAN;
  return ref;
}

}  // namespace

TEST_CASE("cross_entropy: hand-computed values") {
  // Row [0, 0] with target 0: -log(1/2) = log 2.
  Tensor a = Tensor::from_vector({0, 0}, {1, 2});
  CHECK(cross_entropy(a, Tensor::from_vector_i64({0}, {1})).item() ==
        doctest::Approx(std::log(2.0)).epsilon(1e-7));
  // Row [0, 1, 2] with target 2: log(1 + e + e^2) - 2; the mean with row [0, 0] / target 1 (log 2).
  Tensor b = Tensor::from_vector({0, 1, 2, 0, 0, -5}, {2, 3});
  const double row0 = std::log(1 + std::exp(1.0) + std::exp(2.0)) - 2;
  const double row1 = std::log(2 + std::exp(-5.0));
  CHECK(cross_entropy(b, Tensor::from_vector_i64({2, 1}, {2})).item() ==
        doctest::Approx((row0 + row1) / 2).epsilon(1e-6));
}

TEST_CASE("cross_entropy: ignored rows get exactly zero gradient") {
  Rng rng(6);
  Tensor logits = random_tensor({4, 5}, rng, true, 2.f);
  scale(cross_entropy(logits, Tensor::from_vector_i64({4, -100, 0, 2}, {4})), 2.5f).backward();
  std::vector<float> g = logits.grad().to_vector();
  for (int64_t c = 0; c < 5; ++c) CHECK(g[1 * 5 + c] == 0.f);  // ignored row 1
}

TEST_CASE("cross_entropy: with an ignore_index inside 0..C-1, -100 is an out-of-range target") {
  Rng rng(12);
  Tensor logits = random_tensor({6, 4}, rng);
  const std::vector<int64_t> t = {0, 3, 1, 3, 2, -100};
  CHECK_THROWS_WITH_AS(cross_entropy(logits, Tensor::from_vector_i64(t, {6}), 3),
                       doctest::Contains("target -100"), Error);
}

TEST_CASE("cross_entropy is stable for large logits") {
  // exp(1000) overflows float and double: only a max-subtracted logsumexp gets this right.
  Tensor logits = Tensor::from_vector({1000, 1001, 1002, -1000, 0, 1000}, {2, 3});
  const std::vector<int64_t> t = {0, 1};
  Tensor x = logits.detach().set_requires_grad(true);
  Tensor loss = cross_entropy(x, Tensor::from_vector_i64(t, {2}));
  Reference ref = reference_cross_entropy(logits, t, -100);
  // By hand: row 0 = logsumexp(1000, 1001, 1002) - 1000 = 2 + log(1 + e^-1 + e^-2);
  // row 1 = logsumexp(-1000, 0, 1000) - 0 = 1000 (the other terms are below float resolution).
  const double by_hand = (2 + std::log(1 + std::exp(-1.0) + std::exp(-2.0)) + 1000) / 2;
  CHECK(loss.item() == doctest::Approx(by_hand).epsilon(1e-6));
  CHECK(loss.item() == doctest::Approx(ref.loss).epsilon(1e-6));
  loss.backward();
  check_close(x.grad(), ref.grad, 1e-6, 1e-5);
}

TEST_CASE("cross_entropy with every target ignored is NaN and has a zero gradient") {
  Rng rng(1);
  Tensor logits = random_tensor({3, 4}, rng, true);
  Tensor loss = cross_entropy(logits, Tensor::from_vector_i64({-100, -100, -100}, {3}));
  CHECK(std::isnan(loss.item()));
  loss.backward();
  check_close(logits.grad(), std::vector<float>(12, 0.f), 0, 0);
  CHECK(std::isnan(cross_entropy(Tensor::zeros({0, 4}), Tensor::zeros({0}, DType::I64)).item()));
}

// The exponential it uses maps NaN to 0, so the kernel checks for bad logits itself.
TEST_CASE("cross_entropy: a NaN or +inf logit anywhere in a scored row makes the loss NaN, -inf does not") {
  for (float bad : {NAN, INFINITY}) {
    std::vector<float> x(2 * 40, 0.25f);
    x[1 * 40 + 17] = bad;  // row 1, not its target
    Tensor loss = cross_entropy(Tensor::from_vector(x, {2, 40}), Tensor::from_vector_i64({3, 5}, {2}));
    CHECK_MESSAGE(std::isnan(loss.item()), "bad logit ", bad);
  }
  std::vector<float> x(2 * 40, 0.25f);  // clean logits stay finite; -inf is probability 0 (as in torch)
  CHECK(std::isfinite(cross_entropy(Tensor::from_vector(x, {2, 40}), Tensor::from_vector_i64({3, 5}, {2})).item()));
  x[1 * 40 + 17] = -INFINITY;
  CHECK(std::isfinite(cross_entropy(Tensor::from_vector(x, {2, 40}), Tensor::from_vector_i64({3, 5}, {2})).item()));
}

TEST_CASE("cross_entropy: many rows (parallel path) match the reference") {
  Rng rng(10);
  const int64_t rows = 300, classes = 130;
  Tensor logits = random_tensor({rows, classes}, rng, true, 3.f);
  std::vector<int64_t> t(rows);
  for (int64_t r = 0; r < rows; ++r) t[r] = r % 7 == 0 ? -100 : (r * 37) % classes;
  Tensor loss = cross_entropy(logits, Tensor::from_vector_i64(t, {rows}));
  Reference ref = reference_cross_entropy(logits, t, -100);
  CHECK(loss.item() == doctest::Approx(ref.loss).epsilon(1e-6));
  loss.backward();
  check_close(logits.grad(), ref.grad, 1e-7, 1e-4);
}

TEST_CASE("cross_entropy rejects bad targets and shapes with a clear message") {
  Tensor logits = Tensor::zeros({3, 5});
  CHECK_THROWS_WITH_AS(cross_entropy(logits, Tensor::from_vector_i64({0, 5, 1}, {3})),
                       doctest::Contains("target 5 at row 1 is out of range [0, 5)"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, Tensor::from_vector_i64({0, 1, -1}, {3})),
                       doctest::Contains("target -1 at row 2"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, Tensor::from_vector_i64({0, 1}, {2})),
                       doctest::Contains("targets must have shape [3]"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, Tensor::from_vector_i64({0, 1, 2}, {3, 1})),
                       doctest::Contains("targets must have shape [3]"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(Tensor::zeros({15}), Tensor::from_vector_i64({0, 1, 2}, {3})),
                       doctest::Contains("logits must have 2 dims"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, Tensor::zeros({3})), doctest::Contains("targets must be int64"),
                       Error);
  CHECK_THROWS_WITH_AS(cross_entropy(Tensor::zeros({3, 5}, DType::I64), Tensor::zeros({3}, DType::I64)),
                       doctest::Contains("logits must be float32"), Error);
}

TEST_CASE("cross_entropy: on CUDA a bad target is an error and all-ignored targets give NaN" * doctest::test_suite("gpu")) {
  if (skip_without_gpu()) return;
  Tensor lg = Tensor::zeros({2, 4}, DType::F32, Device::cuda());
  CHECK_THROWS_WITH_AS(cross_entropy(lg, Tensor::from_vector_i64({1, 4}, {2}, Device::cuda())),
                       doctest::Contains("target 4 at row 1 is out of range [0, 4)"), Error);
  CHECK(std::isnan(cross_entropy(lg, Tensor::from_vector_i64({-100, -100}, {2}, Device::cuda())).item()));
}

TEST_CASE("cross_entropy: CUDA logits take host targets, checked on the host, with the device result" *
          doctest::test_suite("gpu")) {
  if (skip_without_gpu()) return;
  Rng rng(5);
  Tensor host_logits = Tensor::randn({6, 9}, rng);
  const Tensor targets = Tensor::from_vector_i64({1, 8, -100, 0, 4, 4}, {6});
  Tensor a = host_logits.to(Device::cuda()).set_requires_grad(true);
  Tensor b = host_logits.to(Device::cuda()).set_requires_grad(true);
  Tensor from_host = cross_entropy(a, targets), from_device = cross_entropy(b, targets.to(Device::cuda()));
  CHECK(from_host.device() == Device::cuda());
  CHECK(from_host.item() == from_device.item());
  from_host.backward();
  from_device.backward();
  CHECK(a.grad().to_vector() == b.grad().to_vector());
  CHECK_THROWS_WITH_AS(cross_entropy(a, Tensor::from_vector_i64({1, 9, 0, 0, 0, 0}, {6})),
                       doctest::Contains("target 9 at row 1 is out of range [0, 9)"), Error);
  // CPU logits still want CPU targets
  CHECK_THROWS_WITH_AS(cross_entropy(host_logits, targets.to(Device::cuda())),
                       doctest::Contains("tensors on different devices"), Error);
}
