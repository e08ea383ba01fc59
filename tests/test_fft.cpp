// FftPlan (radix-2 for powers of two, Bluestein otherwise) against the naive double-precision DFT.
#include <algorithm>
#include <cmath>
#include <complex>

#include "kernels/cpu/fft.h"
#include "test_util.h"

using namespace ponet;
using ponet::testing::worst_error;
using ponet::cpu::cfloat;

namespace {

std::vector<cfloat> random_signal(int64_t n, Rng& rng) {
  std::vector<cfloat> x(n);
  for (cfloat& v : x) v = cfloat(rng.normal(), rng.normal());
  return x;
}

// max_k |got[bins[k]] - ref[k]| / max_k |ref[k]|
double relative_error(const std::vector<cfloat>& got, const std::vector<std::complex<double>>& ref,
                      const std::vector<int64_t>& bins) {
  double err = 0.0, scale = 0.0;
  for (size_t i = 0; i < bins.size(); ++i) {
    const std::complex<double> g(got[bins[i]].real(), got[bins[i]].imag());
    err = worst_error(err, std::abs(g - ref[i]));
    scale = std::max(scale, std::abs(ref[i]));
  }
  return err / scale;
}

// max_j |y_j - x_j| / max_j |x_j|, y being inverse(forward(x))
double round_trip_error(const std::vector<cfloat>& y, const std::vector<cfloat>& x) {
  double err = 0.0, scale = 0.0;
  for (size_t j = 0; j < x.size(); ++j) {
    err = worst_error(err, static_cast<double>(std::abs(y[j] - x[j])));
    scale = std::max(scale, static_cast<double>(std::abs(x[j])));
  }
  return err / scale;
}

std::vector<int64_t> all_bins(int64_t n) {
  std::vector<int64_t> bins(n);
  for (int64_t k = 0; k < n; ++k) bins[k] = k;
  return bins;
}

}  // namespace

TEST_CASE("fft matches the naive DFT for radix-2 and Bluestein lengths") {
  Rng rng(71);
  double worst = 0.0;
  for (int64_t n : {1, 2, 3, 4, 5, 7, 8, 12, 30, 31, 64, 97, 100, 128, 243, 1000, 1024, 4096}) {
    const std::vector<cfloat> x = random_signal(n, rng);
    std::vector<cfloat> y = x;
    const cpu::FftPlan& plan = cpu::fft_plan(n);
    plan.forward(y.data());
    const double err = relative_error(y, cpu::dft_reference(x.data(), n), all_bins(n));
    INFO("n = ", n, ": forward error ", err, " of max |X|");
    CHECK(err < 2e-6);
    plan.inverse(y.data());
    const double back = round_trip_error(y, x);
    INFO("n = ", n, ": round-trip error ", back, " of max |x|");
    CHECK(back < 2e-6);
    worst = worst_error(worst, err);
  }
  MESSAGE("worst forward error over all lengths: ", worst);
}

TEST_CASE("fft of long signals: sampled DFT bins and the inverse round trip") {
  Rng rng(72);
  // 16385 and 20000 go through Bluestein with a 65536-point inner transform.
  for (int64_t n : {16384, 16385, 20000}) {
    const std::vector<cfloat> x = random_signal(n, rng);
    std::vector<cfloat> y = x;
    const cpu::FftPlan& plan = cpu::fft_plan(n);
    plan.forward(y.data());
    std::vector<int64_t> bins = {0, 1, 2, n / 2, n - 1};
    while (bins.size() < 48) bins.push_back(rng.randint(0, n));
    std::vector<std::complex<double>> ref(bins.size());
    for (size_t i = 0; i < bins.size(); ++i) cpu::dft_reference(x.data(), n, &ref[i], bins[i], bins[i] + 1);
    const double err = relative_error(y, ref, bins);
    plan.inverse(y.data());
    const double back = round_trip_error(y, x);
    MESSAGE("n = ", n, ": forward error ", err, " of max |X| over the sampled bins, round-trip error ",
            back, " of max |x|");
    CHECK(err < 2e-6);
    CHECK(back < 2e-6);
  }
}

TEST_CASE("fft of a pure tone is a single spike") {
  // x_j = exp(2 pi i f j / n) has X_k = n for k == f and 0 elsewhere (checked without the reference).
  for (int64_t n : {16, 45}) {
    const int64_t f = 5;
    std::vector<cfloat> x(n);
    for (int64_t j = 0; j < n; ++j) {
      const double a = 2.0 * 3.14159265358979323846 * static_cast<double>(f * j % n) / static_cast<double>(n);
      x[j] = cfloat(static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a)));
    }
    cpu::fft_plan(n).forward(x.data());
    for (int64_t k = 0; k < n; ++k) {
      INFO("n = ", n, ", k = ", k, ": ", x[k].real(), " + ", x[k].imag(), "i");
      CHECK(std::abs(x[k] - cfloat(k == f ? static_cast<float>(n) : 0.f, 0.f)) < 1e-5f * n);
    }
  }
}

TEST_CASE("fft plan cache returns one plan per length and rejects bad lengths") {
  CHECK(&cpu::fft_plan(12) == &cpu::fft_plan(12));
  CHECK(cpu::fft_plan(12).size() == 12);
  CHECK(cpu::fft_plan(12).scratch_size() >= 2 * 12 - 1);
  CHECK(cpu::fft_plan(64).scratch_size() == 0);
  CHECK_THROWS_WITH_AS(cpu::fft_plan(0), doctest::Contains("length must be >= 1"), Error);
}
