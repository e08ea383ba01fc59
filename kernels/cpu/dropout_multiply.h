// out[j] = x[j] * dropout_scale(seed, first + j, p) over a run of n floats (kernels/dropout_hash.h): the
// inner loop of every CPU dropout (kernels/cpu/dropout.cpp, dropout_add_layer_norm.cpp, attention.cpp).
// Two versions of the same contract, side by side in kernels/cpu/dropout_multiply.cpp, bit for bit equal
// (tests/test_dropout.cpp); compiled into the library, so with its -march:
//   dropout_multiply_reference  the plain loop. The compiler vectorises it only where the ISA has a
//                               64-bit multiply (AVX-512DQ); elsewhere it is one scalar hash per float
//                               (about 8 % of the tiny pretraining step on a Zen 3 VM).
//   dropout_multiply            on AVX2 without AVX-512DQ: the splitmix64 finaliser on four 64-bit lanes,
//                               each 64 x 64-bit multiply built from three 32 x 32 -> 64 ones; else the
//                               reference loop.
#pragma once
#include <cstdint>

namespace ponet::cpu {

void dropout_multiply(float* out, const float* x, int64_t n, uint64_t seed, uint64_t first, float p);
void dropout_multiply_reference(float* out, const float* x, int64_t n, uint64_t seed, uint64_t first, float p);
// "avx2" where dropout_multiply has its own loop, "plain" where it is the reference.
const char* dropout_multiply_kernel_name();

}  // namespace ponet::cpu
