// Complex 1-D FFT of any length n (radix-2, Bluestein otherwise) (kernels/cpu/fft.h). Reference:
// dft_reference, the O(n^2) DFT in double in this file. Tested by tests/test_fft.cpp and, through
// fourier_mix, by tests/ops_table/ (rows "fourier_mix": build/test_ops value --filter fourier_mix); timed
// through fourier_mix by bench/bench_fft.cpp.
#include "kernels/cpu/fft.h"

#include <cmath>
#include <map>
#include <mutex>
#include <utility>

#include "core/error.h"

namespace ponet::cpu {

namespace {

constexpr double kPi = 3.14159265358979323846;

bool is_pow2(int64_t n) { return (n & (n - 1)) == 0; }

// exp(-2 pi i t / n); t is reduced exactly first so large arguments keep full double accuracy.
std::complex<double> unit_root(int64_t t, int64_t n) {
  const double a = -2.0 * kPi * static_cast<double>(t % n) / static_cast<double>(n);
  return {std::cos(a), std::sin(a)};
}

// Written out because std::complex's operator* handles inf/nan through a library call (__mulsc3),
// which is slow and blocks vectorization.
inline cfloat cmul(cfloat a, cfloat b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

}  // namespace

FftPlan::FftPlan(int64_t n) : n_(n) {
  PONET_CHECK(n >= 1, "fft: length must be >= 1, got ", n);
  // Bit-reversal indices are 32-bit, so radix-2 goes up to 2^31; Bluestein pads to m >= 2n - 1.
  PONET_CHECK(n <= (int64_t{1} << (is_pow2(n) ? 31 : 30)), "fft: length ", n,
              " is too large (at most 2^30, or 2^31 for a power of two)");
  if (is_pow2(n)) {
    int log2n = 0;
    while ((int64_t{1} << log2n) < n) ++log2n;
    bitrev_.assign(n, 0);
    for (int64_t i = 1; i < n; ++i)
      bitrev_[i] = (bitrev_[i >> 1] >> 1) | (static_cast<uint32_t>(i & 1) << (log2n - 1));
    twiddles_.resize(n - 1);
    for (int64_t h = 1; h < n; h *= 2)
      for (int64_t j = 0; j < h; ++j) {
        std::complex<double> w = unit_root(j, 2 * h);
        twiddles_[h - 1 + j] = cfloat(static_cast<float>(w.real()), static_cast<float>(w.imag()));
      }
    return;
  }
  bluestein_ = true;
  m_ = 1;
  while (m_ < 2 * n - 1) m_ *= 2;
  inner_ = std::make_unique<FftPlan>(m_);
  // exp(-i pi j^2 / n) is periodic in j^2 with period 2n: reduce exactly in integers.
  chirp_.resize(n);
  for (int64_t j = 0; j < n; ++j) {
    std::complex<double> w = unit_root((j * j) % (2 * n), 2 * n);
    chirp_[j] = cfloat(static_cast<float>(w.real()), static_cast<float>(w.imag()));
  }
  chirp_spectrum_.assign(m_, cfloat(0.f, 0.f));
  chirp_spectrum_[0] = std::conj(chirp_[0]);
  for (int64_t j = 1; j < n; ++j) chirp_spectrum_[j] = chirp_spectrum_[m_ - j] = std::conj(chirp_[j]);
  inner_->radix2<false>(chirp_spectrum_.data());
  const float inv_m = static_cast<float>(1.0 / static_cast<double>(m_));
  for (cfloat& c : chirp_spectrum_) c *= inv_m;
}

template <bool Inverse>
void FftPlan::radix2(cfloat* data) const {
  const int64_t n = n_;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = bitrev_[i];
    if (i < r) std::swap(data[i], data[r]);
  }
  for (int64_t i = 0; i + 1 < n; i += 2) {  // first stage: twiddle 1
    const cfloat u = data[i], v = data[i + 1];
    data[i] = u + v;
    data[i + 1] = u - v;
  }
  float* a = reinterpret_cast<float*>(data);
  for (int64_t h = 2; h < n; h *= 2) {
    const float* w = reinterpret_cast<const float*>(twiddles_.data() + (h - 1));
    for (int64_t i = 0; i < n; i += 2 * h) {
      float* __restrict p = a + 2 * i;
      float* __restrict q = p + 2 * h;
      for (int64_t j = 0; j < h; ++j) {
        const float wr = w[2 * j], wi = Inverse ? -w[2 * j + 1] : w[2 * j + 1];
        const float xr = q[2 * j], xi = q[2 * j + 1];
        const float vr = xr * wr - xi * wi, vi = xr * wi + xi * wr;
        const float ur = p[2 * j], ui = p[2 * j + 1];
        p[2 * j] = ur + vr;
        p[2 * j + 1] = ui + vi;
        q[2 * j] = ur - vr;
        q[2 * j + 1] = ui - vi;
      }
    }
  }
}

void FftPlan::bluestein(cfloat* data, cfloat* scratch) const {
  for (int64_t j = 0; j < n_; ++j) scratch[j] = cmul(data[j], chirp_[j]);
  for (int64_t j = n_; j < m_; ++j) scratch[j] = cfloat(0.f, 0.f);
  inner_->radix2<false>(scratch);
  for (int64_t k = 0; k < m_; ++k) scratch[k] = cmul(scratch[k], chirp_spectrum_[k]);
  inner_->radix2<true>(scratch);
  for (int64_t k = 0; k < n_; ++k) data[k] = cmul(scratch[k], chirp_[k]);
}

void FftPlan::forward(cfloat* data, cfloat* scratch) const {
  if (bluestein_)
    bluestein(data, scratch);
  else
    radix2<false>(data);
}

void FftPlan::inverse(cfloat* data, cfloat* scratch) const {
  const float inv_n = static_cast<float>(1.0 / static_cast<double>(n_));
  if (bluestein_) {  // conj(DFT(conj(x))) is the unscaled inverse DFT
    for (int64_t j = 0; j < n_; ++j) data[j] = std::conj(data[j]);
    bluestein(data, scratch);
    for (int64_t j = 0; j < n_; ++j) data[j] = std::conj(data[j]) * inv_n;
  } else {
    radix2<true>(data);
    for (int64_t j = 0; j < n_; ++j) data[j] *= inv_n;
  }
}

void FftPlan::forward(cfloat* data) const {
  std::vector<cfloat> scratch(scratch_size());
  forward(data, scratch.data());
}

void FftPlan::inverse(cfloat* data) const {
  std::vector<cfloat> scratch(scratch_size());
  inverse(data, scratch.data());
}

const FftPlan& fft_plan(int64_t n) {
  static std::mutex* mutex = new std::mutex();  // never destroyed: plans may be used until exit
  static auto* cache = new std::map<int64_t, std::unique_ptr<FftPlan>>();
  std::lock_guard<std::mutex> lock(*mutex);
  std::unique_ptr<FftPlan>& slot = (*cache)[n];
  if (!slot) {
    try {
      slot = std::make_unique<FftPlan>(n);
    } catch (...) {
      cache->erase(n);
      throw;
    }
  }
  return *slot;
}

void dft_reference(const cfloat* in, int64_t n, std::complex<double>* out, int64_t k_begin, int64_t k_end) {
  PONET_CHECK(n >= 1 && 0 <= k_begin && k_begin <= k_end && k_end <= n, "dft_reference: bad bins [", k_begin,
              ", ", k_end, ") for length ", n);
  std::vector<std::complex<double>> roots(n);
  for (int64_t t = 0; t < n; ++t) roots[t] = unit_root(t, n);
  for (int64_t k = k_begin; k < k_end; ++k) {
    double re = 0.0, im = 0.0;
    int64_t t = 0;  // j * k mod n, advanced by k each step
    for (int64_t j = 0; j < n; ++j) {
      const double xr = in[j].real(), xi = in[j].imag();
      re += xr * roots[t].real() - xi * roots[t].imag();
      im += xr * roots[t].imag() + xi * roots[t].real();
      t += k;
      if (t >= n) t -= n;
    }
    out[k - k_begin] = {re, im};
  }
}

std::vector<std::complex<double>> dft_reference(const cfloat* in, int64_t n) {
  std::vector<std::complex<double>> out(n);
  dft_reference(in, n, out.data(), 0, n);
  return out;
}

}  // namespace ponet::cpu
