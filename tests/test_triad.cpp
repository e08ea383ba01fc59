// The bandwidth probe of `ponet profile` computes the STREAM triad, on the CPU and on the GPU (up to the
// rounding of s c, which a fused multiply-add skips).
#include "kernels/cpu/triad.h"
#include "test_util.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/triad.cuh"
#endif

using namespace ponet;
using namespace ponet::testing;

namespace {
std::vector<float> expected_triad(const std::vector<float>& b, const std::vector<float>& c, float s) {
  std::vector<float> a(b.size());
  for (size_t i = 0; i < b.size(); ++i) a[i] = b[i] + s * c[i];
  return a;
}
}  // namespace

TEST_CASE("triad: a = b + s c over an odd length") {
  Rng rng(5);
  const int64_t n = 100003;
  Tensor b = random_tensor({n}, rng), c = random_tensor({n}, rng);
  Tensor a = Tensor::empty({n});
  cpu::triad(a.data<float>(), b.data<float>(), c.data<float>(), 3.f, n);
  check_close(a, expected_triad(b.to_vector(), c.to_vector(), 3.f), 1e-6, 1e-6);
}

TEST_CASE("triad: CUDA matches the loop" * doctest::test_suite("gpu")) {
  if (skip_without_gpu()) return;
#ifdef PONET_WITH_CUDA
  Rng rng(6);
  const int64_t n = 70001;
  Tensor b = random_tensor({n}, rng), c = random_tensor({n}, rng);
  Tensor bd = b.to(Device::cuda()), cd = c.to(Device::cuda());
  Tensor ad = Tensor::empty({n}, DType::F32, Device::cuda());
  cuda::triad(ad.data<float>(), bd.data<float>(), cd.data<float>(), -2.f, n);
  check_close(ad.to(Device::cpu()), expected_triad(b.to_vector(), c.to_vector(), -2.f), 1e-6, 1e-6);
#endif
}
