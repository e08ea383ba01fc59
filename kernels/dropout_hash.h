// Counter-based dropout draws, shared by the CPU and CUDA kernels.
//
// Element i of a dropout call with seed s is kept iff uniform(s, i) >= p, where uniform is a
// splitmix64 finaliser applied to the counter. Nothing is stored: forward and backward recompute the
// same mask from (seed, i), so a dropout costs no memory for its mask, draws in parallel, runs on the
// device without a host round trip, and gives the same mask on CPU and CUDA for the same seed.
// The op draws one fresh 64-bit seed per call from the model's Rng (so checkpoints that save the Rng
// state resume the exact same masks).
#pragma once
#include <cstdint>

#include "kernels/host_device.h"

namespace ponet {

// Uniform in [0, 1) with 24 random bits, from (seed, index).
PONET_HOST_DEVICE inline float dropout_uniform(uint64_t seed, uint64_t index) {
  uint64_t x = seed + (index + 1) * 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return static_cast<float>(x >> 40) * (1.0f / 16777216.0f);
}

// The seed under which element i draws what element first_index + i draws under `seed`: the counter
// enters the hash only as seed + (index + 1) * K, so shifting the seed by first_index * K (mod 2^64)
// shifts the index exactly. Data-parallel ranks use it to draw their rows' share of the global batch's
// mask without any kernel knowing about ranks (autograd/dropout_rows.h).
PONET_HOST_DEVICE inline uint64_t dropout_seed_at(uint64_t seed, uint64_t first_index) {
  return seed + first_index * 0x9E3779B97F4A7C15ULL;
}

// The factor element `index` is multiplied by: 0 (dropped, probability p) or 1 / (1 - p) (kept).
PONET_HOST_DEVICE inline float dropout_scale(uint64_t seed, uint64_t index, float p) {
  return dropout_uniform(seed, index) < p ? 0.0f : 1.0f / (1.0f - p);
}

}  // namespace ponet
