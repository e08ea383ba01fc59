// clip_grad_norm: global L2 norm over all gradients, scaling only above the threshold.
#include "test_util.h"
#include "train/grad_clip.h"

using namespace ponet;
using namespace ponet::testing;
using ponet::train::clip_grad_norm;

namespace {
Tensor with_grad(const Shape& shape, const std::vector<float>& grad) {
  Tensor p = Tensor::zeros(shape);
  p.set_requires_grad(true);
  if (!grad.empty()) p.set_grad(Tensor::from_vector(grad, shape));
  return p;
}
}  // namespace

TEST_CASE("grad_clip: returns the global norm and leaves small gradients alone") {
  Tensor a = with_grad({2}, {3, 4}), b = with_grad({1, 1}, {12}), none = with_grad({5}, {});
  double norm = clip_grad_norm({a, b, none}, 13.5);  // sqrt(9 + 16 + 144) = 13
  CHECK(norm == doctest::Approx(13.0).epsilon(1e-12));
  check_close(a.grad(), {3, 4}, 0, 0);
  check_close(b.grad(), {12}, 0, 0);
  CHECK_FALSE(none.grad().defined());
}

TEST_CASE("grad_clip: scales every gradient by max_norm / norm when above") {
  Tensor a = with_grad({2}, {3, 4}), b = with_grad({1, 1}, {12});
  double norm = clip_grad_norm({a, b}, 6.5);
  CHECK(norm == doctest::Approx(13.0).epsilon(1e-12));
  check_close(a.grad(), {1.5f, 2.f}, 1e-6, 1e-6);
  check_close(b.grad(), {6.f}, 1e-6, 1e-6);
  // The clipped global norm is max_norm.
  std::vector<float> ga = a.grad().to_vector(), gb = b.grad().to_vector();
  CHECK(std::sqrt(ga[0] * ga[0] + ga[1] * ga[1] + gb[0] * gb[0]) == doctest::Approx(6.5).epsilon(1e-6));
}

TEST_CASE("grad_clip: non-contiguous gradients and non-finite norms") {
  Tensor p = Tensor::zeros({3, 2});
  p.set_requires_grad(true);
  p.set_grad(Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}).transpose(0, 1));
  CHECK(clip_grad_norm({p}, 1e9) == doctest::Approx(std::sqrt(91.0)));
  Tensor q = with_grad({2}, {INFINITY, 1});
  CHECK(std::isinf(clip_grad_norm({q}, 1.0)));
  CHECK(q.grad().to_vector()[1] == 1.f);  // untouched: the caller decides what to do with the step
}

TEST_CASE("grad_clip: bad max_norm is rejected") {
  Tensor a = with_grad({2}, {3, 4});
  CHECK_THROWS_WITH_AS(clip_grad_norm({a}, 0.0), doctest::Contains("max_norm"), Error);
  CHECK_THROWS_WITH_AS(clip_grad_norm({a}, NAN), doctest::Contains("max_norm"), Error);
  CHECK_THROWS_WITH_AS(clip_grad_norm({Tensor()}, 1.0), doctest::Contains("undefined"), Error);
}

TEST_CASE("grad_clip: CUDA gradients give the CPU's norm and clipped values, with CPU ones mixed in" *
          doctest::test_suite("gpu")) {
  if (skip_without_gpu()) return;
  Rng rng(11);
  // sizes around the device's chunk of 16384 elements, a 0-element one and a non-contiguous one
  const std::vector<Shape> shapes = {{3}, {16384}, {16385}, {40000, 2}, {0}, {7, 5}};
  for (double max_norm : {1.0, 1e9}) {
    INFO("max_norm ", max_norm);
    std::vector<Tensor> cpu_params, gpu_params, mixed_params;
    for (size_t i = 0; i < shapes.size(); ++i) {
      Tensor g = Tensor::randn(shapes[i], rng);
      if (i + 1 == shapes.size()) g = g.transpose(0, 1);
      Tensor pc = Tensor::zeros(g.shape()), pg = Tensor::zeros(g.shape(), DType::F32, Device::cuda());
      pc.set_requires_grad(true);
      pg.set_requires_grad(true);
      pc.set_grad(g);
      pg.set_grad(g.to(Device::cuda()));
      cpu_params.push_back(pc);
      gpu_params.push_back(pg);
      mixed_params.push_back(i % 2 ? pg : pc);
    }
    const double cpu_norm = clip_grad_norm(cpu_params, max_norm);
    const double gpu_norm = clip_grad_norm(gpu_params, max_norm);
    CHECK(gpu_norm == doctest::Approx(cpu_norm).epsilon(1e-12));
    for (size_t i = 0; i < shapes.size(); ++i) {
      INFO("parameter ", i);
      CHECK(gpu_params[i].grad().device() == Device::cuda());
      check_close(gpu_params[i].grad().to(Device::cpu()), cpu_params[i].grad(), 0, max_norm < 10 ? 1e-6 : 0);
    }
    CHECK(train::grad_norm(gpu_params) == doctest::Approx(train::grad_norm(cpu_params)).epsilon(1e-12));
  }
  // a mixed list: the CPU part is summed on the host and added on the device before the one copy back
  Tensor a = with_grad({2}, {3, 4});
  Tensor b = Tensor::zeros({1}, DType::F32, Device::cuda());
  b.set_requires_grad(true);
  b.set_grad(Tensor::from_vector({12}, {1}, Device::cuda()));
  CHECK(clip_grad_norm({a, b}, 6.5) == doctest::Approx(13.0).epsilon(1e-12));
  check_close(a.grad(), {1.5f, 2.f}, 1e-6, 1e-6);
  check_close(b.grad().to(Device::cpu()), {6.f}, 1e-6, 1e-6);
  // a non-finite norm leaves the values as they were
  Tensor q = Tensor::zeros({2}, DType::F32, Device::cuda());
  q.set_requires_grad(true);
  q.set_grad(Tensor::from_vector({INFINITY, 1}, {2}, Device::cuda()));
  CHECK(std::isinf(clip_grad_norm({q}, 1.0)));
  CHECK(q.grad().to_vector()[1] == 1.f);
}
