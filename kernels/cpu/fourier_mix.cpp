// FNet mixing y = Re(FFT_L(FFT_D(x))) of (B, L, D) float32 (kernels/cpu/fourier_mix.h). Reference:
// fourier_mix_reference, the DFT-by-matrix version in this file. Tested by tests/ops_table/ (rows
// "fourier_mix": build/test_ops value --filter fourier_mix) and tests/test_fourier_mix.cpp; timed by
// bench/bench_fft.cpp.
#include "kernels/cpu/fourier_mix.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "kernels/cpu/fft.h"
#include "kernels/cpu/gemm.h"

namespace ponet::cpu {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int64_t kColumnBlock = 8;  // columns gathered together: 8 complex = one 64-byte line per row
constexpr int64_t kGroupElements = int64_t{1} << 19;  // complex elements of half spectrum per batch group

// Complex buffer without the zero fill of std::vector<std::complex<float>> (it is fully overwritten).
std::unique_ptr<float[]> complex_buffer(int64_t n) { return std::unique_ptr<float[]>(new float[2 * n]); }

// Z[r, 0..D/2] = FFT_D(x[r, :]) for every row r of x [rows, D]. Two real rows a, b go through one
// complex FFT of a + ib; with F = FFT(a + ib) and G_d = conj(F_{-d}): FFT(a) = (F + G) / 2 and
// FFT(b) = (F - G) / 2i. Only d <= D/2 is kept: the rest are conjugates of those.
void row_ffts(cfloat* Z, const float* x, int64_t rows, int64_t D) {
  const FftPlan& plan = fft_plan(D);
  const int64_t Dh = D / 2 + 1, pairs = (rows + 1) / 2;
#pragma omp parallel if (rows * D > 32768)
  {
    std::vector<cfloat> buf(D), scratch(plan.scratch_size());
#pragma omp for schedule(static)
    for (int64_t p = 0; p < pairs; ++p) {
      const int64_t r0 = 2 * p, r1 = 2 * p + 1;
      const bool has_second = r1 < rows;
      const float* a = x + r0 * D;
      const float* b = x + r1 * D;
      for (int64_t j = 0; j < D; ++j) buf[j] = cfloat(a[j], has_second ? b[j] : 0.f);
      plan.forward(buf.data(), scratch.data());
      for (int64_t d = 0; d < Dh; ++d) {
        const cfloat F = buf[d], G = std::conj(buf[d == 0 ? 0 : D - d]);
        const cfloat sum = F + G, diff = F - G;
        Z[r0 * Dh + d] = 0.5f * sum;
        if (has_second) Z[r1 * Dh + d] = cfloat(0.5f * diff.imag(), -0.5f * diff.real());
      }
    }
  }
}

// y_b[:, d] = Re FFT_L(Z_b[:, d]) for d <= D/2, and by the mirror symmetry of a real input's 2-D
// spectrum, Re Y[l, D - d] = Re Y[(L - l) mod L, d], the other half without another FFT.
void column_ffts(float* y, const cfloat* Z, int64_t batch, int64_t L, int64_t D) {
  const FftPlan& plan = fft_plan(L);
  const int64_t Dh = D / 2 + 1, blocks = (Dh + kColumnBlock - 1) / kColumnBlock;
#pragma omp parallel if (batch * L * D > 32768)
  {
    std::vector<cfloat> cols(kColumnBlock * L), scratch(plan.scratch_size());
#pragma omp for schedule(dynamic)
    for (int64_t item = 0; item < batch * blocks; ++item) {
      const int64_t b = item / blocks, d0 = (item % blocks) * kColumnBlock;
      const int64_t w = std::min(kColumnBlock, Dh - d0);
      const cfloat* Zb = Z + b * L * Dh + d0;
      for (int64_t l = 0; l < L; ++l)
        for (int64_t c = 0; c < w; ++c) cols[c * L + l] = Zb[l * Dh + c];
      for (int64_t c = 0; c < w; ++c) plan.forward(cols.data() + c * L, scratch.data());
      float* yb = y + b * L * D;
      for (int64_t l = 0; l < L; ++l) {
        const int64_t mirror_row = l == 0 ? 0 : L - l;
        for (int64_t c = 0; c < w; ++c) {
          const int64_t d = d0 + c;
          const float v = cols[c * L + l].real();
          yb[l * D + d] = v;
          if (d != 0 && 2 * d != D) yb[mirror_row * D + (D - d)] = v;
        }
      }
    }
  }
}

// C[j, k] = cos(2 pi jk / n), S[j, k] = sin(2 pi jk / n), so that the DFT matrix is C - iS.
void dft_matrices(int64_t n, std::vector<float>& C, std::vector<float>& S) {
  std::vector<double> cos_t(n), sin_t(n);
  for (int64_t t = 0; t < n; ++t) {
    const double a = 2.0 * kPi * static_cast<double>(t) / static_cast<double>(n);
    cos_t[t] = std::cos(a);
    sin_t[t] = std::sin(a);
  }
  C.resize(n * n);
  S.resize(n * n);
#pragma omp parallel for schedule(static) if (n * n > 65536)
  for (int64_t j = 0; j < n; ++j) {
    int64_t t = 0;  // j * k mod n
    for (int64_t k = 0; k < n; ++k) {
      C[j * n + k] = static_cast<float>(cos_t[t]);
      S[j * n + k] = static_cast<float>(sin_t[t]);
      t += j;
      if (t >= n) t -= n;
    }
  }
}

}  // namespace

void fourier_mix_forward(float* y, const float* x, int64_t batch, int64_t L, int64_t D) {
  if (batch * L * D == 0) return;
  const int64_t Dh = D / 2 + 1;
  // Batches go through in groups whose half spectra fill ~4 MiB, so the buffer stays cache-sized and
  // small enough for malloc to reuse it across calls instead of mapping fresh (page-faulting) memory;
  // but large enough to give every thread a few column blocks.
  const int64_t blocks = (Dh + kColumnBlock - 1) / kColumnBlock;
  const int64_t by_memory = kGroupElements / (L * Dh);
  const int64_t by_threads = (4 * static_cast<int64_t>(omp_get_max_threads()) + blocks - 1) / blocks;
  const int64_t group = std::clamp<int64_t>(std::max(by_memory, by_threads), 1, batch);
  std::unique_ptr<float[]> z = complex_buffer(group * L * Dh);
  cfloat* Z = reinterpret_cast<cfloat*>(z.get());
  for (int64_t b0 = 0; b0 < batch; b0 += group) {
    const int64_t nb = std::min(group, batch - b0);
    row_ffts(Z, x + b0 * L * D, nb * L, D);
    column_ffts(y + b0 * L * D, Z, nb, L, D);
  }
}

void fourier_mix_reference(float* y, const float* x, int64_t batch, int64_t L, int64_t D) {
  if (batch * L * D == 0) return;
  std::vector<float> CL, SL, CD, SD;
  dft_matrices(L, CL, SL);
  dft_matrices(D, CD, SD);
  const int64_t rows = batch * L;
  std::vector<float> P(rows * D), Q(rows * D);  // x C_D and x S_D, all batches at once
  gemm(false, false, rows, D, D, 1.f, x, D, CD.data(), D, 0.f, P.data(), D);
  gemm(false, false, rows, D, D, 1.f, x, D, SD.data(), D, 0.f, Q.data(), D);
  for (int64_t b = 0; b < batch; ++b) {
    float* yb = y + b * L * D;
    gemm(false, false, L, D, L, 1.f, CL.data(), L, P.data() + b * L * D, D, 0.f, yb, D);
    gemm(false, false, L, D, L, -1.f, SL.data(), L, Q.data() + b * L * D, D, 1.f, yb, D);
  }
}

}  // namespace ponet::cpu
