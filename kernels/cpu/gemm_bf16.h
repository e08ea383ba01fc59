// Row-major GEMM in bfloat16 mixed precision: C = alpha * op(A) op(B) + beta * C with the same contract and storage as
// kernels/cpu/gemm.h (fp32 A, B and C), but every element of A and B is first rounded to bfloat16 (round to nearest
// even, core/bfloat16.h) and the products of those are accumulated in fp32. The bf16 product of two bf16 values is
// exact in fp32, so the result differs from gemm_bf16_reference (the same rounding, then a double sum) only by the
// order and width of the accumulation.
//
// Kernels (kernels/cpu/gemm_bf16.cpp drives both over the same packed panels):
//   avx512bf16  _mm512_dpbf16_ps, two bf16 products per fp32 lane per instruction; compiled for that instruction set
//               in its own file (kernels/cpu/gemm_bf16_avx512.cpp) and chosen at run time by CPUID, so the binary
//               still runs on CPUs without it. Like the instruction, it treats bf16 denormal inputs (|x| < 2^-126) as
//               zero.
//   avx512fma   the same products with AVX-512F FMAs on the exactly widened bf16 values (the default on CPUs with
//               AVX-512F but not AVX512_BF16; where vdpbf16ps runs at half the FMA rate, as on the Xeon this was
//               written on, it is also the faster one: bench_gemm prints both)
//   portable    the same packed panels through plain loops (any CPU; correct, much slower)
// PONET_GEMM_BF16_KERNEL=avx512bf16|avx512fma|portable forces that kernel (an error on a CPU that cannot run it, or
// for another name).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ponet::cpu {

void gemm_bf16(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
               const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// The same blocked GEMM with the portable micro-kernel, whatever the CPU and the environment say.
void gemm_bf16_portable(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                        int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// The same with the named micro-kernel (one of gemm_bf16_micro_kernels()); throws for another name.
void gemm_bf16_using(const char* kernel, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                     const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
// The micro-kernels this CPU runs, fastest-by-default first.
std::vector<std::string> gemm_bf16_micro_kernels();

// The oracle: A and B rounded to bf16 element by element, then the plain triple loop in double.
void gemm_bf16_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                         int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// Whether this CPU executes AVX512_BF16 (CPUID leaf 7 subleaf 1, EAX bit 5, with AVX-512F).
bool cpu_has_avx512_bf16();

// The micro-kernel gemm_bf16() uses: "avx512bf16" where the CPU has it, else "avx512fma" with AVX-512F, else
// "portable"; or what PONET_GEMM_BF16_KERNEL says. A bad value throws ponet::Error naming it (at the first call of either).
const char* gemm_bf16_micro_kernel_name();

// The value of PONET_GEMM_BF16_KERNEL as a kernel name (nullptr or "": the default for this CPU); throws on an unknown
// name, or on "avx512bf16" when the CPU lacks it.
const char* parse_gemm_bf16_micro_kernel(const char* value);

}  // namespace ponet::cpu
