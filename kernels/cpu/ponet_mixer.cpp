// The fused PoNet mixer (GA, SMP, LMP, PF) on (B, L, D) with H heads (kernels/cpu/ponet_mixer.h).
// Reference: tests/ops_table/reference_ponet_mixer.cpp, plain loops in double from the semantics. Tested
// by tests/ops_table/ (rows "ponet_mixer": build/test_ops value --filter ponet_mixer) and
// tests/test_ponet_mixer.cpp; timed by bench/bench_kernels.cpp (forward) and bench/bench_ponet_step.cpp.
#include "kernels/cpu/ponet_mixer.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace ponet::cpu {

namespace {

// The pool inputs after their fills: padding never wins; CLS/SEP are kept out of local windows.
inline float segment_source(const MixerInputs& in, int64_t row, int64_t idx) {
  return in.valid[row] ? in.segment[idx] : kMixerNegFill;
}
inline float local_source(const MixerInputs& in, int64_t row, int64_t idx) {
  return in.valid[row] && !(in.special && in.special[row]) ? in.local[idx] : kMixerNegFill;
}

// The window-3 LMP winner of position l, channel c: the leftmost maximum of local_source over [l-1, l+1].
inline int64_t local_winner(const MixerInputs& in, const MixerDims& dm, int64_t b, int64_t l, int64_t c) {
  const int64_t lo = std::max<int64_t>(l - 1, 0), hi = std::min<int64_t>(l + 1, dm.L - 1);
  int64_t arg = lo;
  float best = local_source(in, b * dm.L + lo, (b * dm.L + lo) * dm.D + c);
  for (int64_t m = lo + 1; m <= hi; ++m) {
    const float v = local_source(in, b * dm.L + m, (b * dm.L + m) * dm.D + c);
    if (v > best) best = v, arg = m;
  }
  return arg;
}

// The SMP value seen by position l, channel c (after the special zeroing): its segment's best.
inline float segment_pooled(const MixerInputs& in, const MixerSaved& s, const SegmentLayout& seg,
                            const MixerDims& dm, int64_t b, int64_t l, int64_t c) {
  const int64_t row = b * dm.L + l;
  if (in.special && in.special[row]) return 0.f;
  return s.seg_best[(b * seg.K + seg.compact[row]) * dm.D + c];
}

int64_t count_valid(const int64_t* valid, int64_t L) {
  int64_t n = 0;
  for (int64_t l = 0; l < L; ++l) n += valid[l] != 0;
  return n;
}

// GA forward for one row: g = masked mean of q; per head softmax(g.k / sqrt(d) + mask) and v = sum p k.
void global_aggregation(const MixerInputs& in, const MixerSaved& s, const MixerDims& dm, int64_t b) {
  const int64_t L = dm.L, D = dm.D, d = D / dm.H;
  const int64_t* valid = in.valid + b * L;
  const float* q = in.q + b * L * D;
  const float* k = in.k + b * L * D;
  float* g = s.query + b * D;
  const double n = static_cast<double>(count_valid(valid, L));
  std::vector<double> acc(D, 0.0);
  for (int64_t l = 0; l < L; ++l)
    if (valid[l])
      for (int64_t c = 0; c < D; ++c) acc[c] += q[l * D + c];
  for (int64_t c = 0; c < D; ++c) g[c] = static_cast<float>(acc[c] / n);

  const float inv_sqrt_d = 1.f / std::sqrt(static_cast<float>(d));
  std::vector<double> score(L);
  for (int64_t h = 0; h < dm.H; ++h) {
    double mx = -INFINITY;
    for (int64_t l = 0; l < L; ++l) {
      double dot = 0.0;
      for (int64_t j = 0; j < d; ++j) dot += static_cast<double>(g[h * d + j]) * k[l * D + h * d + j];
      score[l] = dot * inv_sqrt_d + (valid[l] ? 0.0 : kMixerNegFill);
      mx = std::max(mx, score[l]);
    }
    double z = 0.0;
    for (int64_t l = 0; l < L; ++l) z += (score[l] = std::exp(score[l] - mx));
    float* p = s.prob + (b * dm.H + h) * L;
    std::vector<double> v(d, 0.0);
    for (int64_t l = 0; l < L; ++l) {
      p[l] = static_cast<float>(score[l] / z);
      for (int64_t j = 0; j < d; ++j) v[j] += (score[l] / z) * k[l * D + h * d + j];
    }
    for (int64_t j = 0; j < d; ++j) s.value[b * D + h * d + j] = static_cast<float>(v[j]);
  }
}

// SMP forward for one row: winners per (segment, channel), lowest position on ties.
void segment_pool(const MixerInputs& in, const MixerSaved& s, const SegmentLayout& seg, const MixerDims& dm,
                  int64_t b) {
  const int64_t L = dm.L, D = dm.D, K = seg.K;
  const int64_t* order = seg.order.data() + b * L;
  const int64_t* start = seg.start.data() + b * (K + 1);
  std::vector<int64_t> winner(D);
  std::vector<float> best(D);
  for (int64_t kk = 0; kk < K && start[kk] < start[kk + 1]; ++kk) {
    const int64_t first = order[start[kk]];
    for (int64_t c = 0; c < D; ++c) {
      winner[c] = first;
      best[c] = segment_source(in, b * L + first, (b * L + first) * D + c);
    }
    for (int64_t i = start[kk] + 1; i < start[kk + 1]; ++i) {
      const int64_t m = order[i];
      for (int64_t c = 0; c < D; ++c) {
        const float v = segment_source(in, b * L + m, (b * L + m) * D + c);
        if (v > best[c]) best[c] = v, winner[c] = m;
      }
    }
    for (int64_t c = 0; c < D; ++c) {
      s.seg_win[(b * K + kk) * D + c] = winner[c];
      s.seg_best[(b * K + kk) * D + c] = best[c];
    }
  }
}

}  // namespace

void ponet_mixer_forward(float* y, const MixerSaved& s, const MixerInputs& in, const SegmentLayout& seg,
                         const MixerDims& dm) {
  const int64_t L = dm.L, D = dm.D;
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t b = 0; b < dm.B; ++b) {
    global_aggregation(in, s, dm, b);
    segment_pool(in, s, seg, dm, b);
    for (int64_t l = 0; l < L; ++l) {
      const int64_t row = b * L + l;
      const bool special = in.special && in.special[row];
      for (int64_t c = 0; c < D; ++c) {
        const int64_t idx = row * D + c;
        const int64_t w = local_winner(in, dm, b, l, c);
        s.loc_win[idx] = static_cast<uint8_t>(w - l + 1);
        if (!in.valid[row]) {  // padded rows are zeroed
          y[idx] = 0.f;
          continue;
        }
        // PF of GA, SMP and LMP; CLS/SEP keep only the GA term
        const float lmp = special ? 0.f : local_source(in, b * L + w, (b * L + w) * D + c);
        y[idx] = (s.value[b * D + c] + segment_pooled(in, s, seg, dm, b, l, c)) * in.o[idx] + lmp;
      }
    }
  }
}

void ponet_mixer_backward(float* dq, float* dk, float* d_o, float* dlocal, float* dsegment, const float* dy,
                          const MixerSaved& s, const MixerInputs& in, const SegmentLayout& seg,
                          const MixerDims& dm) {
  const int64_t L = dm.L, D = dm.D, H = dm.H, d = D / H, K = seg.K;
  const float inv_sqrt_d = 1.f / std::sqrt(static_cast<float>(d));
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t b = 0; b < dm.B; ++b) {
    const int64_t* valid = in.valid + b * L;
    auto is_special = [&](int64_t l) { return in.special && in.special[b * L + l]; };
    // gradient reaching the pools: zero on padded rows (y was filled) and on special rows (pools were)
    auto gy = [&](int64_t l, int64_t c) { return valid[l] ? dy[(b * L + l) * D + c] : 0.f; };
    auto dpool = [&](int64_t l, int64_t c, float factor) { return is_special(l) ? 0.f : gy(l, c) * factor; };

    // PF: y = (v + smp) * o + lmp
    std::vector<double> dv(D, 0.0);
    for (int64_t l = 0; l < L; ++l)
      for (int64_t c = 0; c < D; ++c) {
        const int64_t idx = (b * L + l) * D + c;
        const float g = gy(l, c);
        d_o[idx] = g * (s.value[b * D + c] + segment_pooled(in, s, seg, dm, b, l, c));
        dv[c] += static_cast<double>(g) * in.o[idx];
      }

    // SMP: each segment's summed gradient goes to its winner; padded rows were fills (no gradient)
    std::fill(dsegment + b * L * D, dsegment + (b + 1) * L * D, 0.f);
    const int64_t* order = seg.order.data() + b * L;
    const int64_t* start = seg.start.data() + b * (K + 1);
    std::vector<double> total(D);
    for (int64_t kk = 0; kk < K && start[kk] < start[kk + 1]; ++kk) {
      std::fill(total.begin(), total.end(), 0.0);
      for (int64_t i = start[kk]; i < start[kk + 1]; ++i) {
        const int64_t l = order[i];
        for (int64_t c = 0; c < D; ++c) total[c] += dpool(l, c, in.o[(b * L + l) * D + c]);
      }
      for (int64_t c = 0; c < D; ++c) {
        const int64_t w = s.seg_win[(b * K + kk) * D + c];
        if (valid[w]) dsegment[(b * L + w) * D + c] = static_cast<float>(total[c]);
      }
    }

    // LMP: gather the windows that picked each position
    for (int64_t m = 0; m < L; ++m) {
      const bool filled = !valid[m] || is_special(m);
      const int64_t lo = std::max<int64_t>(m - 1, 0), hi = std::min<int64_t>(m + 1, L - 1);
      for (int64_t c = 0; c < D; ++c) {
        float acc = 0.f;
        if (!filled)
          for (int64_t l = lo; l <= hi; ++l)
            if (l - 1 + s.loc_win[(b * L + l) * D + c] == m) acc += dpool(l, c, 1.f);
        dlocal[(b * L + m) * D + c] = acc;
      }
    }

    // GA: v_h = sum_l p_l k_l with p = softmax(g_h . k_l / sqrt d + mask); K is also the value
    const float* k = in.k + b * L * D;
    const float* g = s.query + b * D;
    float* dkb = dk + b * L * D;
    std::vector<double> dg(D, 0.0), dp(L);
    for (int64_t h = 0; h < H; ++h) {
      const float* p = s.prob + (b * H + h) * L;
      double p_dot_dp = 0.0;
      for (int64_t l = 0; l < L; ++l) {
        double acc = 0.0;
        for (int64_t j = 0; j < d; ++j) acc += dv[h * d + j] * k[l * D + h * d + j];
        dp[l] = acc;
        p_dot_dp += p[l] * acc;
      }
      for (int64_t l = 0; l < L; ++l) {
        const double ds = p[l] * (dp[l] - p_dot_dp) * inv_sqrt_d;  // through the scores
        for (int64_t j = 0; j < d; ++j) {
          const int64_t c = h * d + j;
          dg[c] += ds * k[l * D + c];
          dkb[l * D + c] = static_cast<float>(p[l] * dv[c] + ds * g[c]);  // as value + as key
        }
      }
    }
    const double n = static_cast<double>(count_valid(valid, L));
    for (int64_t l = 0; l < L; ++l)
      for (int64_t c = 0; c < D; ++c) dq[(b * L + l) * D + c] = valid[l] ? static_cast<float>(dg[c] / n) : 0.f;
  }
}

}  // namespace ponet::cpu
