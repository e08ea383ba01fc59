// matmul (batched, shared right operand) and linear.
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {
// naive batched product in double
std::vector<float> naive_matmul(const Tensor& a, const Tensor& b) {
  const int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1), batches = a.numel() / (M * K);
  const bool shared = b.dim() == 2;
  std::vector<float> av = a.to_vector(), bv = b.to_vector(), out(batches * M * N);
  for (int64_t t = 0; t < batches; ++t)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (int64_t k = 0; k < K; ++k) s += static_cast<double>(av[t * M * K + i * K + k]) * bv[(shared ? 0 : t * K * N) + k * N + j];
        out[t * M * N + i * N + j] = static_cast<float>(s);
      }
  return out;
}
}  // namespace

TEST_CASE("matmul: 2-D, batched, shared b, transposed views") {
  Rng rng(61);
  Tensor a = random_tensor({5, 7}, rng), b = random_tensor({7, 3}, rng);
  check_close(matmul(a, b), naive_matmul(a, b), 1e-5, 1e-5);
  Tensor a3 = random_tensor({2, 3, 4, 5}, rng), b3 = random_tensor({2, 3, 5, 6}, rng);
  CHECK(matmul(a3, b3).shape() == Shape{2, 3, 4, 6});
  check_close(matmul(a3, b3), naive_matmul(a3, b3), 1e-5, 1e-5);
  Tensor bs = random_tensor({5, 2}, rng);
  check_close(matmul(a3, bs), naive_matmul(a3, bs), 1e-5, 1e-5);
  Tensor at = random_tensor({7, 5}, rng).transpose(0, 1);
  check_close(matmul(at, b), naive_matmul(at.contiguous(), b), 1e-5, 1e-5);
}

TEST_CASE("matmul: gradcheck and errors") {
  Rng rng(62);
  Tensor a = random_tensor({2, 3, 4}, rng, true), b = random_tensor({2, 4, 5}, rng, true);
  check_gradients([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }, {a, b});
  Tensor shared = random_tensor({4, 2}, rng, true);
  check_gradients([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }, {a, shared});
  CHECK_THROWS_WITH_AS(matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5})), doctest::Contains("inner dims 3 and 4 differ"), Error);
  CHECK_THROWS_WITH_AS(matmul(Tensor::zeros({2, 2, 3}), Tensor::zeros({3, 3, 4})), doctest::Contains("batch dims"), Error);
  CHECK_THROWS_WITH_AS(matmul(Tensor::zeros({3}), Tensor::zeros({3, 4})), doctest::Contains("at least 2 dims"), Error);
}

TEST_CASE("linear: x W^T + b against the naive product, gradcheck, errors") {
  Rng rng(63);
  Tensor x = random_tensor({2, 3, 4}, rng, true), w = random_tensor({5, 4}, rng, true), b = random_tensor({5}, rng, true);
  std::vector<float> expected = naive_matmul(x.reshape({6, 4}), w.transpose(0, 1).contiguous());
  std::vector<float> bv = b.to_vector();
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 5; ++j) expected[i * 5 + j] += bv[j];
  Tensor y = linear(x, w, b);
  CHECK(y.shape() == Shape{2, 3, 5});
  check_close(y, expected, 1e-5, 1e-5);
  check_gradients([](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); }, {x, w, b});
  check_gradients([](const std::vector<Tensor>& in) { return linear(in[0], in[1], Tensor()); }, {x, w});
  CHECK_THROWS_WITH_AS(linear(Tensor::zeros({2, 3}), Tensor::zeros({5, 4}), Tensor()), doctest::Contains("expects 4"), Error);
  CHECK_THROWS_WITH_AS(linear(Tensor::zeros({2, 4}), Tensor::zeros({5, 4}), Tensor::zeros({4})), doctest::Contains("bias must have shape"), Error);
}
