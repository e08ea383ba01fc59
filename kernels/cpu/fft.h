// Complex 1-D FFT of any length n >= 1, in float32 with twiddles and chirps computed in double.
//   forward: X_k = sum_j x_j exp(-2 pi i jk / n)          (no scaling, like torch.fft.fft)
//   inverse: x_j = (1/n) sum_k X_k exp(+2 pi i jk / n)     (so inverse(forward(x)) == x)
// Powers of two use an iterative radix-2 transform; every other length uses Bluestein's chirp-z
// identity jk = (j^2 + k^2 - (k-j)^2) / 2, which turns the DFT into a circular convolution computed
// with a power-of-two FFT of length m >= 2n - 1. Bluestein needs scratch_size() complex elements of
// caller scratch (none for powers of two), so hot loops can keep one buffer per thread.
// Errors are ~1e-7 relative to max |X_k| for random inputs (float32 rounding, growing like log n).
#pragma once
#include <complex>
#include <cstdint>
#include <memory>
#include <vector>

namespace ponet::cpu {

using cfloat = std::complex<float>;

class FftPlan {
 public:
  explicit FftPlan(int64_t n);
  FftPlan(const FftPlan&) = delete;
  FftPlan& operator=(const FftPlan&) = delete;

  int64_t size() const { return n_; }
  int64_t scratch_size() const { return bluestein_ ? m_ : 0; }

  // In place on data[0, n). scratch: scratch_size() elements, contents ignored and clobbered.
  void forward(cfloat* data, cfloat* scratch) const;
  void inverse(cfloat* data, cfloat* scratch) const;
  // Convenience forms that allocate their own scratch (fine outside hot loops).
  void forward(cfloat* data) const;
  void inverse(cfloat* data) const;

 private:
  template <bool Inverse>
  void radix2(cfloat* data) const;  // unscaled, power-of-two n only
  void bluestein(cfloat* data, cfloat* scratch) const;

  int64_t n_ = 0;
  bool bluestein_ = false;
  // radix-2: bit-reversal permutation and, per stage of half-length h, the h twiddles
  // exp(-2 pi i j / 2h) stored contiguously at offset h - 1 (n - 1 in all).
  std::vector<uint32_t> bitrev_;
  std::vector<cfloat> twiddles_;
  // Bluestein: chirp w_j = exp(-i pi j^2 / n) (j < n) and the length-m FFT of the conjugate chirp
  // laid out circularly (indices -(n-1)..n-1), pre-divided by m so the inverse needs no scaling.
  int64_t m_ = 0;
  std::unique_ptr<FftPlan> inner_;
  std::vector<cfloat> chirp_;
  std::vector<cfloat> chirp_spectrum_;
};

// The plan for length n, built on first use and kept for the life of the process (plans are reused
// by every layer and step). Thread-safe; the returned plan is immutable, so threads may share it.
const FftPlan& fft_plan(int64_t n);

// The naive O(n^2) DFT, accumulated in double with exactly reduced angles (jk mod n): the oracle for
// FftPlan in the tests. Computes bins [k_begin, k_end) of the forward transform into out[0, ...).
void dft_reference(const cfloat* in, int64_t n, std::complex<double>* out, int64_t k_begin, int64_t k_end);
std::vector<std::complex<double>> dft_reference(const cfloat* in, int64_t n);  // all n bins

}  // namespace ponet::cpu
