// Row-major SGEMM C = alpha op(A) op(B) + beta C, A [M, K], B [K, N] (kernels/cpu/gemm.h). Reference:
// gemm_reference, the double triple loop in kernels/cpu/gemm_reference.cpp. Tested by tests/ops_table/
// (rows "matmul", "linear": build/test_ops value --filter matmul,linear) and tests/test_gemm.cpp; timed
// against OpenBLAS by bench/bench_gemm.cpp.
//
// Cache-blocked GEMM. Panels of op(B) (KC x NC) are packed into contiguous, micro-tile-ordered buffers,
// so the micro-kernel streams B with unit stride whatever its transpose was; a plain op(A) is read in
// place, MR rows at a time through a row stride and a k stride (each element is broadcast from memory,
// so its layout does not matter), while a transposed one is packed (pack_a_transposed says why); the
// micro-kernel keeps an MR x NR tile of C in registers (kernels/cpu/gemm_micro_kernel.h: an AVX-512
// intrinsics one, and the portable loop it is tested against). Threads split the M dimension
// (tall-skinny model shapes have huge M); a product with a small C and a long K (a weight gradient,
// dW = g^T x over every token) has too few M blocks for that, so it is split along K instead
// (kernels/cpu/gemm_split_k.h).
//
// Why a plain A is not packed: packing it (a scalar 6-row transpose per MC x KC block) took about a
// fifth of the GEMM time in the tiny pretraining step (perf: 15 % of the step in gemm_blocked's own code
// against 51 % in the micro-kernel), and on this project's narrow shapes each packed element was used
// only N / NR times. Read in place, 2 threads on a Zen 4 VM, best of 4 alternated runs: 4096 x 128 x 128
// nn 129 -> 184 GFLOP/s, 32768 x 64 x 64 nt 86 -> 181, 1024^3 level (192 / 194). Only a last sliver of
// fewer than MR rows is packed (zero-padded), so the kernel never reads past A.
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/error.h"

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_micro_kernel.h"
#include "kernels/cpu/gemm_split_k.h"

namespace ponet::cpu {

namespace {

using namespace gemm_detail;
// MC: rows of A per parallel work item; every B sliver (KC x NR, 32 KiB) passes the whole MC x KC block
// of A, so the two should share L1 (48 KiB on recent Xeons): at MC 96 the MLM decoder's 1640 x 8000 x 128
// (K = 128: a 48 KiB A block) ran at 162-177 GFLOP/s, at 48 at 200-246 (2-core Xeon, family 6 model 167).
// KC x NC: the packed B panel (1 MiB) in L2.
constexpr int64_t MC = 48, KC = 256, NC = 1024;

inline float load_b(const float* B, int64_t ldb, bool t, int64_t k, int64_t j) { return t ? B[j * ldb + k] : B[k * ldb + j]; }

// Packs the last m (< MR) rows A[i0:i0+m, k0:k0+kc] of a plain (not transposed) A as one zero-padded
// MR-row sliver: for each k, MR values (a_row_stride 1, a_k_stride MR for the micro-kernel).
void pack_a_tail(float* dst, const float* A, int64_t lda, int64_t i0, int64_t m, int64_t k0, int64_t kc) {
  for (int64_t k = 0; k < kc; ++k)
    for (int64_t r = 0; r < MR; ++r) *dst++ = r < m ? A[(i0 + r) * lda + k0 + k] : 0.f;
}

// Packs the block op(A)[i0:i0+mc, k0:k0+kc] of a transposed A (stored [K, M]) as ceil(mc / MR)
// zero-padded slivers of kc x MR, sliver s at dst + s * kc. Read in place, that A gave every k-step of
// the micro-kernel a new cache line at a stride of a whole row of A (often past the page, so the
// hardware prefetcher does not follow), and a 96-row block took 1536 half-used lines, twice L1. Here
// each k reads one contiguous run of mc values, and the packed block is used N / NR times.
void pack_a_transposed(float* dst, const float* A, int64_t lda, int64_t i0, int64_t mc, int64_t k0, int64_t kc) {
  const int64_t full = mc / MR * MR;  // rows in whole slivers; the rest is one zero-padded sliver
  for (int64_t k = 0; k < kc; ++k) {
    const float* src = A + (k0 + k) * lda + i0;
    for (int64_t s = 0; s < full; s += MR) std::memcpy(dst + s * kc + k * MR, src + s, MR * sizeof(float));
    if (full < mc) {
      float* d = dst + full * kc + k * MR;
      for (int64_t r = 0; r < MR; ++r) d[r] = full + r < mc ? src[full + r] : 0.f;
    }
  }
}

// Packs the sliver of op(B)[k0:k0+kc, j0+s : j0+s+NR] (NR columns; zeros past nc): for each k, NR
// values. A transposed B is read row by row (each of its rows is a column of op(B), contiguous in k)
// and written with stride NR into the sliver, which stays in L1.
void pack_b_sliver(float* dst, const float* B, int64_t ldb, bool t, int64_t k0, int64_t kc, int64_t j0, int64_t s,
                   int64_t nc) {
  const int64_t width = std::min(NR, nc - s);
  if (!t) {
    for (int64_t k = 0; k < kc; ++k) {
      float* d = dst + k * NR;
      if (width == NR) {
        std::memcpy(d, B + (k0 + k) * ldb + j0 + s, NR * sizeof(float));
      } else {
        for (int64_t c = 0; c < NR; ++c) d[c] = c < width ? load_b(B, ldb, t, k0 + k, j0 + s + c) : 0.f;
      }
    }
    return;
  }
  for (int64_t c = 0; c < NR; ++c) {
    if (c >= width) {
      for (int64_t k = 0; k < kc; ++k) dst[k * NR + c] = 0.f;
      continue;
    }
    const float* row = B + (j0 + s + c) * ldb + k0;
    for (int64_t k = 0; k < kc; ++k) dst[k * NR + c] = row[k];
  }
}

// Packs op(B)[k0:k0+kc, j0:j0+nc] as NR-column slivers: sliver s holds, for each k, NR values.
// Called inside a parallel region: the slivers are shared out among its threads.
void pack_b(float* dst, const float* B, int64_t ldb, bool t, int64_t k0, int64_t kc, int64_t j0, int64_t nc) {
#pragma omp for schedule(static)
  for (int64_t s = 0; s < nc; s += NR) pack_b_sliver(dst + s * kc, B, ldb, t, k0, kc, j0, s, nc);
}

}  // namespace

void gemm_scale_c(int64_t M, int64_t N, float beta, float* C, int64_t ldc) {
#pragma omp parallel for schedule(static) if (M * N > 65536)
  for (int64_t i = 0; i < M; ++i) {
    float* row = C + i * ldc;
    if (beta == 0.f) std::fill(row, row + N, 0.f);
    else if (beta != 1.f)
      for (int64_t j = 0; j < N; ++j) row[j] *= beta;
  }
}

namespace {

void gemm_blocked(MicroKernel micro_kernel, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                  const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.f) return gemm_scale_c(M, N, beta, C, ldc);
  // The first K block applies beta as it writes its tile (no separate pass over C), later ones add.

  for (int64_t j0 = 0; j0 < N; j0 += NC) {
    const int64_t nc = std::min(NC, N - j0);
    const int64_t nc_padded = (nc + NR - 1) / NR * NR;
    for (int64_t k0 = 0; k0 < K; k0 += KC) {
      const int64_t kc = std::min(KC, K - k0);
      float* bpack = packing_buffer<float>(0, static_cast<size_t>(kc * nc_padded));
      const int64_t m_blocks = (M + MC - 1) / MC;
#pragma omp parallel if (M * nc * kc > 1 << 18)
      {
        pack_b(bpack, B, ldb, trans_b, k0, kc, j0, nc);  // ends with the omp for's barrier
        float* apack = packing_buffer<float>(1, static_cast<size_t>(trans_a ? (MC + MR - 1) / MR * MR * kc : MR * kc));
#pragma omp for schedule(dynamic, 1)
        for (int64_t mb = 0; mb < m_blocks; ++mb) {
          const int64_t i0 = mb * MC, mc = std::min(MC, M - i0);
          // A plain A is read in place but for a last sliver of fewer than MR rows (packed in apack); a
          // transposed one is packed whole (every sliver from apack).
          const int64_t in_place_rows = trans_a ? 0 : mc / MR * MR;
          if (trans_a) pack_a_transposed(apack, A, lda, i0, mc, k0, kc);
          else if (in_place_rows < mc) pack_a_tail(apack, A, lda, i0 + in_place_rows, mc - in_place_rows, k0, kc);
          for (int64_t js = 0; js < nc; js += NR)
            for (int64_t is = 0; is < mc; is += MR) {
              const bool in_place = is < in_place_rows;
              const float* a = in_place ? A + (i0 + is) * lda + k0 : apack + (trans_a ? is * kc : 0);
              micro_kernel(kc, a, in_place ? lda : 1, in_place ? 1 : MR, bpack + js * kc,
                           C + (i0 + is) * ldc + j0 + js, ldc, std::min(MR, mc - is), std::min(NR, nc - js), alpha,
                           k0 == 0, beta);
            }
        }
      }
    }
  }
}

void gemm_with(MicroKernel micro_kernel, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
               const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  // With few M blocks the M split leaves threads idle (128 rows are three 48-row blocks); the main
  // job's weight gradients (128 x 128 over 4096 tokens) are that case (kernels/cpu/gemm_split_k.h).
  gemm_blocked_or_split_k(gemm_blocked, micro_kernel, MC, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace

const char* parse_gemm_micro_kernel(const char* value) {
  if (value == nullptr || value[0] == '\0' || std::strcmp(value, kFastestMicroKernelName) == 0)
    return kFastestMicroKernelName;
  if (std::strcmp(value, "portable") == 0) return "portable";
  fail("PONET_GEMM_KERNEL='", value, "': this build has '", kFastestMicroKernelName, "' (the default) and 'portable'");
}

namespace {
struct ChosenKernel {
  const char* name;
  MicroKernel kernel;
};

// Read once; gemm_micro_kernel_name() resolves it outside any parallel region when a program calls it
// first (the CLI does at start), so a bad value is reported there and not thrown inside an OpenMP team.
const ChosenKernel& chosen_micro_kernel() {
  static const ChosenKernel chosen = [] {
    const char* name = parse_gemm_micro_kernel(std::getenv("PONET_GEMM_KERNEL"));
    return ChosenKernel{name, std::strcmp(name, "portable") == 0 ? micro_kernel_portable : kFastestMicroKernel};
  }();
  return chosen;
}
}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  gemm_with(chosen_micro_kernel().kernel, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void gemm_portable(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                   int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  gemm_with(micro_kernel_portable, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

const char* gemm_micro_kernel_name() { return chosen_micro_kernel().name; }

}  // namespace ponet::cpu
