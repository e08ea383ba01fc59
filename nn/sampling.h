// Choosing the next token from a row of logits: temperature, then top-k, then top-p (nucleus), then a draw.
//   temperature 0   greedy: the arg max (lowest id on ties); top-k and top-p do not matter
//   top_k 0         no top-k cut; k > 0 keeps the k most probable ids (ties broken by the lower id)
//   top_p 1         no nucleus cut; p in (0, 1) keeps the fewest most probable ids whose probability
//                   reaches p (always at least one)
#pragma once
#include <cstdint>
#include <vector>

#include "core/rng.h"

namespace ponet::nn {

struct SamplingOptions {
  float temperature = 1.f;  // >= 0
  int64_t top_k = 0;        // >= 0
  float top_p = 1.f;        // in (0, 1]
};

// Throws for a negative or non-finite temperature, a negative top_k, a top_p outside (0, 1].
void check_sampling_options(const SamplingOptions& options);
// The distribution a draw uses: probabilities over the ids, 0 outside the kept set, summing to 1.
std::vector<double> sampling_distribution(const std::vector<float>& logits, const SamplingOptions& options);
// One draw from that distribution (one rng.uniform() call; none when greedy).
int64_t sample_token(const std::vector<float>& logits, const SamplingOptions& options, Rng& rng);

}  // namespace ponet::nn
