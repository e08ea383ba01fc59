// The sum of term(0), ..., term(n - 1) for a row kernel, in Lanes independent partials of type Partial
// that are added in double at the end (after the tail of fewer than Lanes terms). Why: without
// -ffast-math the compiler may not reorder one running sum (a chain of dependent adds, latency-bound),
// but it does vectorise Lanes separate ones. The order is fixed by n alone, so results do not depend
// on the thread count. Used by the softmax rows of kernels/cpu/attention.cpp (float partials, 16 lanes)
// and the LayerNorm rows of kernels/cpu/layer_norm.cpp (double partials, 8 lanes).
#pragma once
#include <cstdint>

namespace ponet::cpu {

template <class Partial, int64_t Lanes, class Term>
double lane_sum(int64_t n, const Term& term) {
  Partial part[Lanes] = {};
  int64_t j = 0;
  for (; j + Lanes <= n; j += Lanes)
    for (int64_t t = 0; t < Lanes; ++t) part[t] += term(j + t);
  double total = 0.0;
  for (; j < n; ++j) total += term(j);
  for (Partial x : part) total += x;
  return total;
}

}  // namespace ponet::cpu
