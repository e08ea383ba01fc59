// Inverted dropout: what the op table (tests/ops_table/, rows "dropout": the output against the counter-hash
// mask recomputed in double, contiguous and strided inputs, gradcheck, CUDA vs CPU) does not check: the
// dropped fraction and the scale, eval mode and p = 0 returning the input itself, bad p, that a seed gives
// one mask, and the vectorised mask loop against its plain one bit for bit (tails, -0, inf).
#include <cstring>
#include <limits>

#include "kernels/cpu/dropout_multiply.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

TEST_CASE("dropout keeps about 1 - p of the elements and scales them by 1 / (1 - p)") {
  Rng rng(51);
  const int64_t n = 100000;
  Tensor x = Tensor::ones({n});
  Tensor y = dropout(x, 0.25f, true, rng);
  int64_t kept = 0;
  for (float v : y.to_vector()) {
    CHECK((v == 0.f || std::abs(v - 1.f / 0.75f) < 1e-6));
    kept += v != 0.f;
  }
  CHECK(static_cast<double>(kept) / n == doctest::Approx(0.75).epsilon(0.01));
}

TEST_CASE("dropout in eval mode or with p = 0 returns its input, bad p throws") {
  Rng rng(52);
  Tensor x = random_tensor({5}, rng);
  CHECK(dropout(x, 0.5f, false, rng).impl() == x.impl());
  CHECK(dropout(x, 0.f, true, rng).impl() == x.impl());
  CHECK_THROWS_WITH_AS(dropout(x, 1.f, true, rng), doctest::Contains("[0, 1)"), Error);
  CHECK_THROWS_WITH_AS(dropout(x, -0.1f, true, rng), doctest::Contains("[0, 1)"), Error);
}

TEST_CASE("dropout: the same seed gives the same mask, another seed another") {
  Rng data(53);
  Tensor x = random_tensor({4, 6}, data);
  Rng a(7), b(7), c(8);
  const std::vector<float> first = dropout(x, 0.5f, true, a).to_vector();
  CHECK(dropout(x, 0.5f, true, b).to_vector() == first);
  CHECK(dropout(x, 0.5f, true, c).to_vector() != first);
}

TEST_CASE("dropout_multiply (vectorised on AVX2) equals its plain loop bit for bit") {
  MESSAGE("dropout_multiply kernel: " << std::string(cpu::dropout_multiply_kernel_name()));
  Rng rng(62);
  std::vector<float> x(300);
  for (float& v : x) v = rng.uniform(-2, 2);
  x[5] = -0.f;
  x[9] = std::numeric_limits<float>::infinity();
  // every tail length, offsets that start mid-vector and near the counter's wrap-around
  for (uint64_t first : {uint64_t{0}, uint64_t{3}, uint64_t{1} << 40, ~uint64_t{0} - 100})
    for (float p : {0.f, 0.1f, 0.5f, 0.9f})
      for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{7}, int64_t{8}, int64_t{9}, int64_t{31}, int64_t{300}}) {
        const uint64_t seed = rng.next_u64();
        std::vector<float> fast(x.size(), 7.f), plain(x.size(), 7.f);
        cpu::dropout_multiply(fast.data(), x.data(), n, seed, first, p);
        cpu::dropout_multiply_reference(plain.data(), x.data(), n, seed, first, p);
        CHECK(std::memcmp(fast.data(), plain.data(), fast.size() * sizeof(float)) == 0);
      }
  // in place, as the attention backward calls it
  std::vector<float> w = x, plain(x.size());
  cpu::dropout_multiply(w.data(), w.data(), 300, 99, 12, 0.3f);
  cpu::dropout_multiply_reference(plain.data(), x.data(), 300, 99, 12, 0.3f);
  CHECK(std::memcmp(w.data(), plain.data(), w.size() * sizeof(float)) == 0);
}
