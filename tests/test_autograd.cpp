// The engine itself: accumulation over several paths, leaves across calls, NoGrad, detach, views.
#include "autograd/grad_mode.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

TEST_CASE("a tensor used twice receives the sum of both gradients") {
  Tensor x = Tensor::from_vector({1, 2, 3}, {3}).set_requires_grad(true);
  Tensor y = sum_all(add(mul(x, x), x));  // dy/dx = 2x + 1
  y.backward();
  check_close(x.grad(), {3, 5, 7});
}

TEST_CASE("leaf gradients accumulate across backward calls until zero_grad") {
  Tensor x = Tensor::from_vector({1, -1}, {2}).set_requires_grad(true);
  sum_all(scale(x, 3.f)).backward();
  sum_all(scale(x, 3.f)).backward();
  check_close(x.grad(), {6, 6});
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("NoGrad records nothing and detach cuts the graph") {
  Tensor x = Tensor::from_vector({1, 2}, {2}).set_requires_grad(true);
  {
    NoGrad guard;
    Tensor y = mul(x, x);
    CHECK_FALSE(y.requires_grad());
  }
  Tensor z = mul(x.detach(), x);  // only the second factor carries a gradient
  sum_all(z).backward();
  check_close(x.grad(), {1, 2});
}

TEST_CASE("backward needs a scalar root or an explicit seed") {
  Tensor x = Tensor::from_vector({1, 2}, {2}).set_requires_grad(true);
  Tensor y = scale(x, 2.f);
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("one element"), Error);
  CHECK_THROWS_WITH_AS(Tensor::zeros({2}).backward(), doctest::Contains("does not require grad"), Error);
}

TEST_CASE("views: reshape, transpose, permute and slice share storage and pass gradients back") {
  Rng rng(11);
  Tensor x = random_tensor({2, 3, 4}, rng, true);
  Tensor t = x.transpose(0, 2);
  CHECK(t.shape() == Shape{4, 3, 2});
  CHECK_FALSE(t.is_contiguous());
  CHECK(t.raw_data() == x.raw_data());
  Tensor s = x.slice(1, 1, 3);
  CHECK(s.shape() == Shape{2, 2, 4});
  CHECK(s.to_vector()[0] == x.to_vector()[4]);
  check_gradients([](const std::vector<Tensor>& in) { return in[0].permute({2, 0, 1}).reshape({4, 6}); }, {x});
  check_gradients([](const std::vector<Tensor>& in) { return in[0].slice(2, 1, 3).contiguous(); }, {x});
  check_gradients([](const std::vector<Tensor>& in) { return in[0].transpose(0, 1).reshape({-1}); }, {x});
}

TEST_CASE("sum and mean over dims, with keepdim, against hand values and gradcheck") {
  Tensor x = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  check_close(sum(x, {0}), {5, 7, 9});
  check_close(sum(x, {1}, true), {6, 15});
  CHECK(sum(x, {1}, true).shape() == Shape{2, 1});
  check_close(mean(x, {0, 1}), {3.5f});
  check_close(sum_all(x), {21});
  Rng rng(2);
  Tensor y = random_tensor({3, 4, 5}, rng, true);
  check_gradients([](const std::vector<Tensor>& in) { return sum(in[0], {0, 2}); }, {y});
  check_gradients([](const std::vector<Tensor>& in) { return mean(in[0], {-1}, true); }, {y});
  CHECK_THROWS_WITH_AS(sum(x, {2}), doctest::Contains("out of range"), Error);
}

TEST_CASE("bad reshapes and slices throw") {
  Tensor x = Tensor::zeros({2, 3});
  CHECK_THROWS_WITH_AS(x.reshape({4, 2}), doctest::Contains("cannot reshape"), Error);
  CHECK_THROWS_WITH_AS(x.slice(1, 2, 5), doctest::Contains("out of bounds"), Error);
  CHECK_THROWS_WITH_AS(x.permute({0, 0}), doctest::Contains("repeated"), Error);
}

TEST_CASE("the graph keeps no intermediate alive that no backward reads") {
  Rng rng(12);
  Tensor x = random_tensor({4, 5}, rng, true);
  Tensor t = scale(x, 2.f);  // scale's backward reads nothing, so nothing holds t's data but t
  std::weak_ptr<TensorImpl> watch = t.impl_ptr();
  Tensor u = scale(t, 3.f);
  t = Tensor();
  CHECK(watch.expired());
  sum_all(u).backward();
  check_close(x.grad(), std::vector<float>(20, 6.f));
  // A leaf used twice still sums both paths into one .grad.
  x.zero_grad();
  sum_all(add(scale(x, 2.f), mul(x, x))).backward();
  std::vector<float> want;
  for (float v : x.to_vector()) want.push_back(2.f + 2.f * v);
  check_close(x.grad(), want);
}
