// The bf16 GEMM (kernels/cpu/gemm_bf16.h): the cache blocking of the fp32 GEMM (kernels/cpu/gemm.cpp says why MC, KC,
// NC and the M / K splits are what they are), with both operands packed, because the packing is where fp32 becomes
// bf16: each element is rounded once per block and then used N / NR (A) or M / MR (B) times by the micro-kernel. Packed
// layouts: kernels/cpu/gemm_bf16_micro_kernel.h. Tested against gemm_bf16_reference
// (kernels/cpu/gemm_bf16_reference.cpp) by tests/test_gemm_bf16.cpp and the op table's bf16 rows; timed against the
// fp32 GEMM by bench/bench_gemm.cpp.
#include "kernels/cpu/gemm_bf16.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_bf16_micro_kernel.h"
#include "kernels/cpu/gemm_split_k.h"

namespace ponet::cpu {

namespace {

using namespace gemm_bf16_detail;
constexpr int64_t MC = 48, KC = 256, NC = 1024;  // KC even: only a last K block can have an odd k

// Packs op(A)[i0:i0+mc, k0:k0+kc] as ceil(mc / MR) zero-padded slivers of MR x kp pairs. A plain A (rows contiguous in
// k) is converted row by row, a row's pairs contiguous: stride (kp, 1). A transposed A (stored [K, M], contiguous in m)
// is packed pair by pair, stride (1, MR).
void pack_a(uint32_t* dst, const float* A, int64_t lda, bool t, int64_t i0, int64_t mc, int64_t k0, int64_t kc) {
  const int64_t kp = (kc + 1) / 2, slivers = (mc + MR - 1) / MR;
  if (!t) {
    for (int64_t r = 0; r < slivers * MR; ++r) {
      uint32_t* d = dst + r * kp;
      if (r >= mc) {
        std::fill(d, d + kp, 0u);
        continue;
      }
      const float* src = A + (i0 + r) * lda + k0;
      for (int64_t p = 0; p < kc / 2; ++p) d[p] = bf16_pair(src[2 * p], src[2 * p + 1]);
      if (kc % 2) d[kp - 1] = bf16_pair(src[kc - 1], 0.f);
    }
    return;
  }
  for (int64_t s = 0; s < slivers; ++s) {
    uint32_t* d = dst + s * MR * kp;
    const int64_t rows = std::min(MR, mc - s * MR);
    for (int64_t p = 0; p < kp; ++p) {
      const float* even = A + (k0 + 2 * p) * lda + i0 + s * MR;
      const float* odd = 2 * p + 1 < kc ? even + lda : nullptr;
      for (int64_t r = 0; r < MR; ++r) d[p * MR + r] = r < rows ? bf16_pair(even[r], odd ? odd[r] : 0.f) : 0u;
    }
  }
}

// Packs the sliver op(B)[k0:k0+kc, j0+s : j0+s+NR] (zeros past nc): kp x NR pairs.
void pack_b_sliver(uint32_t* dst, const float* B, int64_t ldb, bool t, int64_t k0, int64_t kc, int64_t j0, int64_t s,
                   int64_t nc) {
  const int64_t kp = (kc + 1) / 2, width = std::min(NR, nc - s);
  if (!t) {  // B [K, N]: rows k and k+1 are interleaved column by column
    for (int64_t p = 0; p < kp; ++p) {
      const float* even = B + (k0 + 2 * p) * ldb + j0 + s;
      const bool has_odd = 2 * p + 1 < kc;
      uint32_t* d = dst + p * NR;
      if (width == NR && has_odd) {
        const float* odd = even + ldb;
        for (int64_t c = 0; c < NR; ++c) d[c] = bf16_pair(even[c], odd[c]);
      } else {
        for (int64_t c = 0; c < NR; ++c) d[c] = c < width ? bf16_pair(even[c], has_odd ? even[ldb + c] : 0.f) : 0u;
      }
    }
    return;
  }
  // B stored [N, K]: each of its rows is a column of op(B), contiguous in k, so its pairs are contiguous
  for (int64_t c = 0; c < NR; ++c) {
    if (c >= width) {
      for (int64_t p = 0; p < kp; ++p) dst[p * NR + c] = 0u;
      continue;
    }
    const float* row = B + (j0 + s + c) * ldb + k0;
    for (int64_t p = 0; p < kc / 2; ++p) dst[p * NR + c] = bf16_pair(row[2 * p], row[2 * p + 1]);
    if (kc % 2) dst[(kp - 1) * NR + c] = bf16_pair(row[kc - 1], 0.f);
  }
}

void gemm_blocked(MicroKernel micro_kernel, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                  const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.f) return gemm_scale_c(M, N, beta, C, ldc);  // no product: C = beta * C
  for (int64_t j0 = 0; j0 < N; j0 += NC) {
    const int64_t nc = std::min(NC, N - j0);
    const int64_t nc_padded = (nc + NR - 1) / NR * NR;
    for (int64_t k0 = 0; k0 < K; k0 += KC) {
      const int64_t kc = std::min(KC, K - k0), kp = (kc + 1) / 2;
      uint32_t* bpack = gemm_detail::packing_buffer<uint32_t>(0, static_cast<size_t>(kp * nc_padded));
      const int64_t m_blocks = (M + MC - 1) / MC;
#pragma omp parallel if (M * nc * kc > 1 << 18)
      {
#pragma omp for schedule(static)
        for (int64_t s = 0; s < nc; s += NR) pack_b_sliver(bpack + s * kp, B, ldb, trans_b, k0, kc, j0, s, nc);
        uint32_t* apack = gemm_detail::packing_buffer<uint32_t>(1, static_cast<size_t>((MC + MR - 1) / MR * MR * kp));
#pragma omp for schedule(dynamic, 1)
        for (int64_t mb = 0; mb < m_blocks; ++mb) {
          const int64_t i0 = mb * MC, mc = std::min(MC, M - i0);
          pack_a(apack, A, lda, trans_a, i0, mc, k0, kc);
          const int64_t row_stride = trans_a ? 1 : kp, pair_stride = trans_a ? MR : 1;
          for (int64_t js = 0; js < nc; js += NR)
            for (int64_t is = 0; is < mc; is += MR)
              micro_kernel(kp, apack + is * kp, row_stride, pair_stride, bpack + js * kp, C + (i0 + is) * ldc + j0 + js,
                           ldc, std::min(MR, mc - is), std::min(NR, nc - js), alpha, k0 == 0, beta);
        }
      }
    }
  }
}

void gemm_with(MicroKernel micro_kernel, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
               const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  gemm_detail::gemm_blocked_or_split_k(gemm_blocked, micro_kernel, MC, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb,
                                       beta, C, ldc);
}

struct NamedKernel {
  const char* name;
  MicroKernel kernel;
};
constexpr NamedKernel kKernels[] = {
    {"avx512bf16", micro_kernel_avx512bf16}, {"avx512fma", micro_kernel_avx512fma}, {"portable", micro_kernel_portable}};

bool cpu_has_avx512f() {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool has = [] {
    __builtin_cpu_init();
    return have_avx512bf16_kernel() && __builtin_cpu_supports("avx512f");
  }();
  return has;
#else
  return false;
#endif
}

bool available(const char* name) {
  if (std::strcmp(name, "avx512bf16") == 0) return cpu_has_avx512_bf16();
  if (std::strcmp(name, "avx512fma") == 0) return cpu_has_avx512f();
  return true;
}

// The kernel of a name this CPU runs; throws for an unknown name or one the CPU lacks.
const NamedKernel& kernel_named(const char* name, const char* where) {
  for (const NamedKernel& k : kKernels)
    if (std::strcmp(k.name, name) == 0) {
      PONET_CHECK(available(name), where, "'", name, "': this CPU (or build) cannot run it",
                  std::strcmp(name, "avx512bf16") == 0 ? " (no AVX512_BF16)" : " (no AVX-512F)");
      return k;
    }
  fail(where, "'", name, "': expected avx512bf16 (the default where the CPU has AVX512_BF16), avx512fma (the default "
       "with AVX-512F only) or portable");
}

// Read once, like the fp32 kernel's choice (kernels/cpu/gemm.cpp says why the CLI resolves it first).
const NamedKernel& chosen_micro_kernel() {
  static const NamedKernel& chosen = kernel_named(parse_gemm_bf16_micro_kernel(std::getenv("PONET_GEMM_BF16_KERNEL")),
                                                  "PONET_GEMM_BF16_KERNEL=");
  return chosen;
}

}  // namespace

bool cpu_has_avx512_bf16() {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool has = [] {
    __builtin_cpu_init();
    return have_avx512bf16_kernel() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16");
  }();
  return has;
#else
  return false;
#endif
}

const char* parse_gemm_bf16_micro_kernel(const char* value) {
  if (value == nullptr || value[0] == '\0')
    return cpu_has_avx512_bf16() ? "avx512bf16" : cpu_has_avx512f() ? "avx512fma" : "portable";
  return kernel_named(value, "PONET_GEMM_BF16_KERNEL=").name;
}

std::vector<std::string> gemm_bf16_micro_kernels() {
  std::vector<std::string> names;
  for (const NamedKernel& k : kKernels)
    if (available(k.name)) names.push_back(k.name);
  return names;
}

void gemm_bf16_using(const char* kernel, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                     const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  gemm_with(kernel_named(kernel, "gemm_bf16_using: kernel ").kernel, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb,
            beta, C, ldc);
}

const char* gemm_bf16_micro_kernel_name() { return chosen_micro_kernel().name; }

void gemm_bf16(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
               const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  gemm_with(chosen_micro_kernel().kernel, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void gemm_bf16_portable(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                        int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  gemm_with(micro_kernel_portable, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace ponet::cpu
