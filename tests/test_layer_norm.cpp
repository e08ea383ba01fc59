// layer_norm: what the op table (tests/ops_table/, rows "layer_norm": values against double, gradcheck on
// small shapes and a strided input, CUDA vs CPU) does not check: a hand-computed example with BERT's eps
// 1e-12 and a constant row, rows with a large offset, the weight and bias gradients on the parallel path
// (the table's large row has no gradcheck) and their reproducibility, errors.
#include <cmath>

#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {

// out = (x - mean) / sqrt(var + eps) * w + b per row of length cols, all in double.
std::vector<double> reference_layer_norm(const std::vector<double>& x, const std::vector<double>& w,
                                         const std::vector<double>& b, size_t cols, double eps) {
  std::vector<double> out(x.size());
  for (size_t r = 0; r < x.size() / cols; ++r) {
    double mean = 0.0, var = 0.0;
    for (size_t j = 0; j < cols; ++j) mean += x[r * cols + j];
    mean /= static_cast<double>(cols);
    for (size_t j = 0; j < cols; ++j) var += (x[r * cols + j] - mean) * (x[r * cols + j] - mean);
    var /= static_cast<double>(cols);
    for (size_t j = 0; j < cols; ++j)
      out[r * cols + j] = (x[r * cols + j] - mean) / std::sqrt(var + eps) * w[j] + b[j];
  }
  return out;
}

std::vector<double> to_double(const Tensor& t) {
  std::vector<float> v = t.to_vector();
  return std::vector<double>(v.begin(), v.end());
}

std::vector<float> to_float(const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); }

}  // namespace

TEST_CASE("layer_norm with eps 1e-12: hand-computed example") {
  // Row 0 = [1, 2, 3, 4]: mean 2.5, biased variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25, so
  // xhat = (x - 2.5) / sqrt(1.25) = [-3, -1, 1, 3] / sqrt(5) (eps 1e-12 is far below float resolution).
  // Row 1 is constant: variance 0, xhat 0, so the output is exactly the bias (a one-pass E[x^2] - E[x]^2
  // in float could go negative here and give NaN).
  Tensor x = Tensor::from_vector({1, 2, 3, 4, 7, 7, 7, 7}, {2, 4});
  Tensor w = Tensor::from_vector({2, -1, 0.5f, 1}, {4});
  Tensor b = Tensor::from_vector({0.5f, 0, -1, 0.25f}, {4});
  const double s5 = std::sqrt(5.0);
  std::vector<float> expected = {static_cast<float>(2 * (-3 / s5) + 0.5),
                                 static_cast<float>(-1 * (-1 / s5)),
                                 static_cast<float>(0.5 * (1 / s5) - 1),
                                 static_cast<float>(3 / s5 + 0.25),
                                 0.5f,
                                 0.f,
                                 -1.f,
                                 0.25f};
  check_close(layer_norm(x, w, b, 1e-12f), expected, 1e-6, 1e-6);
}

TEST_CASE("layer_norm with eps 1e-12 stays accurate on rows with a large offset") {
  // Values 1000 + N(0, 1): a float one-pass variance would lose most digits here.
  Rng rng(5);
  const int64_t cols = 32;
  Tensor x = add_scalar(random_tensor({8, cols}, rng), 1000.f);
  Tensor w = random_tensor({cols}, rng), b = random_tensor({cols}, rng);
  Tensor y = layer_norm(x, w, b, 1e-12f);
  check_close(y, to_float(reference_layer_norm(to_double(x), to_double(w), to_double(b), cols, 1e-12)), 1e-6,
              1e-6);
}

TEST_CASE("layer_norm: many rows (parallel path) match the reference and are reproducible") {
  Rng rng(9);
  const int64_t rows = 512, cols = 80;  // above the kernels' parallel threshold
  Tensor x = random_tensor({rows, cols}, rng, true);
  Tensor w = random_tensor({cols}, rng, true), b = random_tensor({cols}, rng, true);
  Tensor seed = random_tensor({rows, cols}, rng);
  Tensor y = layer_norm(x, w, b, 1e-5f);
  std::vector<double> xd = to_double(x), wd = to_double(w), bd = to_double(b), gd = to_double(seed);
  check_close(y, to_float(reference_layer_norm(xd, wd, bd, cols, 1e-5)), 1e-5, 1e-5);

  y.backward(seed);
  // dweight[j] = sum_r g[r, j] * xhat[r, j], dbias[j] = sum_r g[r, j]; xhat from the reference with
  // w = 1, b = 0.
  std::vector<double> xhat =
      reference_layer_norm(xd, std::vector<double>(cols, 1.0), std::vector<double>(cols, 0.0), cols, 1e-5);
  std::vector<float> dw(cols), db(cols);
  for (int64_t j = 0; j < cols; ++j) {
    double sw = 0.0, sb = 0.0;
    for (int64_t r = 0; r < rows; ++r) {
      sw += gd[r * cols + j] * xhat[r * cols + j];
      sb += gd[r * cols + j];
    }
    dw[j] = static_cast<float>(sw);
    db[j] = static_cast<float>(sb);
  }
  check_close(w.grad(), dw, 1e-4, 1e-5);
  check_close(b.grad(), db, 1e-4, 1e-5);

  // A second run gives bitwise the same gradients (fixed summation order).
  std::vector<float> dx1 = x.grad().to_vector(), dw1 = w.grad().to_vector();
  x.zero_grad();
  w.zero_grad();
  layer_norm(x, w, b, 1e-5f).backward(seed);
  CHECK(x.grad().to_vector() == dx1);
  CHECK(w.grad().to_vector() == dw1);
}

TEST_CASE("layer_norm rejects bad input with a clear message") {
  Tensor x = Tensor::zeros({2, 4}), w = Tensor::ones({4}), b = Tensor::zeros({4});
  CHECK_THROWS_WITH_AS(layer_norm(x, Tensor::ones({3}), b, 1e-5f),
                       doctest::Contains("weight must have shape [4]"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, w, Tensor::zeros({2, 4}), 1e-5f),
                       doctest::Contains("bias must have shape [4]"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(Tensor::zeros({2, 4}, DType::I64), w, b, 1e-5f),
                       doctest::Contains("x must be float32"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(Tensor::scalar(1.f), Tensor::ones({1}), Tensor::zeros({1}), 1e-5f),
                       doctest::Contains("at least 1 dim"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(Tensor::zeros({2, 0}), Tensor::ones({0}), Tensor::zeros({0}), 1e-5f),
                       doctest::Contains("non-empty"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, w, b, -1.f), doctest::Contains("eps must be"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, Tensor(), b, 1e-5f), doctest::Contains("weight is undefined"), Error);
}
