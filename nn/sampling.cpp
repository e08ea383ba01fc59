#include "nn/sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"

namespace ponet::nn {

void check_sampling_options(const SamplingOptions& o) {
  PONET_CHECK(std::isfinite(o.temperature) && o.temperature >= 0.f, "sampling: temperature must be >= 0, got ",
              o.temperature);
  PONET_CHECK(o.top_k >= 0, "sampling: top-k must be >= 0 (0 = off), got ", o.top_k);
  PONET_CHECK(o.top_p > 0.f && o.top_p <= 1.f, "sampling: top-p must be in (0, 1] (1 = off), got ", o.top_p);
}

std::vector<double> sampling_distribution(const std::vector<float>& logits, const SamplingOptions& o) {
  check_sampling_options(o);
  const size_t V = logits.size();
  PONET_CHECK(V > 0, "sampling: no logits");
  for (float l : logits) PONET_CHECK(std::isfinite(l), "sampling: the logits contain ", l);
  std::vector<double> p(V, 0.0);
  if (o.temperature == 0.f) {  // greedy
    p[std::max_element(logits.begin(), logits.end()) - logits.begin()] = 1.0;
    return p;
  }
  // ids by decreasing logit (lower id first on ties), softmax at the temperature in double
  std::vector<size_t> order(V);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return logits[a] > logits[b]; });
  const double top = logits[order[0]];
  double total = 0;
  for (size_t i = 0; i < V; ++i) total += (p[i] = std::exp((logits[i] - top) / o.temperature));
  for (double& x : p) x /= total;
  size_t keep = o.top_k > 0 ? std::min<size_t>(V, static_cast<size_t>(o.top_k)) : V;
  if (o.top_p < 1.f) {  // the nucleus, within the top-k
    double cumulative = 0;
    for (size_t i = 0; i < keep; ++i) {
      cumulative += p[order[i]];
      if (cumulative >= o.top_p) {
        keep = i + 1;
        break;
      }
    }
  }
  double kept = 0;
  for (size_t i = 0; i < keep; ++i) kept += p[order[i]];
  for (size_t i = keep; i < V; ++i) p[order[i]] = 0;
  for (double& x : p) x /= kept;
  return p;
}

int64_t sample_token(const std::vector<float>& logits, const SamplingOptions& o, Rng& rng) {
  const std::vector<double> p = sampling_distribution(logits, o);
  if (o.temperature == 0.f) return std::max_element(p.begin(), p.end()) - p.begin();
  const double u = rng.uniform();
  double cumulative = 0;
  int64_t last = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0) continue;
    last = static_cast<int64_t>(i);
    cumulative += p[i];
    if (u < cumulative) return last;
  }
  return last;  // rounding left u above the total: the last kept id
}

}  // namespace ponet::nn
