// The fused PoNet mixer (GA, SMP, LMP, PF) on (B, L, D) with H heads (kernels/cpu/ponet_mixer.h).
// Reference: tests/ops_table/reference_ponet_mixer.cpp, plain loops in double from the semantics. Tested
// by tests/ops_table/ (rows "ponet_mixer": build/test_ops value --filter ponet_mixer) and
// tests/test_ponet_mixer.cpp; timed by build/test_ops perf and bench/bench_ponet_step.cpp.
#include "kernels/cpu/ponet_mixer.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace ponet::cpu {

namespace {

// Work is laid out row by row: every per-position condition (padding, CLS/SEP) is decided once per row
// and turns into a pointer to that row's data or to a row of fill values, so the channel loops below
// have no branches and vectorise. Per element the results are those of the reference's definitions.
struct RowScratch {
  std::vector<float> fill, zeros;  // D x kMixerNegFill, D x 0
  explicit RowScratch(int64_t D) : fill(D, kMixerNegFill), zeros(D, 0.f) {}
};

inline bool is_special(const MixerInputs& in, int64_t row) { return in.special && in.special[row]; }

// The pool inputs after their fills: padding never wins; CLS/SEP are kept out of local windows.
inline const float* segment_source_row(const MixerInputs& in, const RowScratch& r, int64_t row, int64_t D) {
  return in.valid[row] ? in.segment + row * D : r.fill.data();
}
inline const float* local_source_row(const MixerInputs& in, const RowScratch& r, int64_t row, int64_t D) {
  return in.valid[row] && !is_special(in, row) ? in.local + row * D : r.fill.data();
}

// The SMP values seen by a row (after the special zeroing): its segment's best.
inline const float* segment_pooled_row(const MixerInputs& in, const MixerSaved& s, const SegmentLayout& seg,
                                       const RowScratch& r, int64_t b, int64_t row, int64_t D) {
  return is_special(in, row) ? r.zeros.data() : s.seg_best + (b * seg.K + seg.compact[row]) * D;
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
                  const RowScratch& scratch, int64_t b) {
  const int64_t L = dm.L, D = dm.D, K = seg.K;
  const int64_t* order = seg.order.data() + b * L;
  const int64_t* start = seg.start.data() + b * (K + 1);
  for (int64_t kk = 0; kk < K && start[kk] < start[kk + 1]; ++kk) {
    int64_t* winner = s.seg_win + (b * K + kk) * D;
    float* best = s.seg_best + (b * K + kk) * D;
    const int64_t first = order[start[kk]];
    const float* v0 = segment_source_row(in, scratch, b * L + first, D);
    for (int64_t c = 0; c < D; ++c) winner[c] = first, best[c] = v0[c];
    for (int64_t i = start[kk] + 1; i < start[kk + 1]; ++i) {
      const int64_t m = order[i];
      const float* v = segment_source_row(in, scratch, b * L + m, D);
      for (int64_t c = 0; c < D; ++c) {
        const bool wins = v[c] > best[c];
        best[c] = wins ? v[c] : best[c];
        winner[c] = wins ? m : winner[c];
      }
    }
  }
}

// LMP forward for one position: the leftmost maximum of the local source over the window [l-1, l+1]
// (clipped to the row), per channel: its value and its offset 0, 1, 2 from l - 1.
void local_pool(const MixerInputs& in, const MixerDims& dm, const RowScratch& scratch, int64_t b, int64_t l,
                float* best, uint8_t* win) {
  const int64_t L = dm.L, D = dm.D;
  const int64_t lo = std::max<int64_t>(l - 1, 0), hi = std::min<int64_t>(l + 1, L - 1);
  const float* first = local_source_row(in, scratch, b * L + lo, D);
  const uint8_t first_code = static_cast<uint8_t>(lo - l + 1);
  for (int64_t c = 0; c < D; ++c) best[c] = first[c], win[c] = first_code;
  for (int64_t m = lo + 1; m <= hi; ++m) {
    const float* v = local_source_row(in, scratch, b * L + m, D);
    const uint8_t code = static_cast<uint8_t>(m - l + 1);
    for (int64_t c = 0; c < D; ++c) {
      const bool wins = v[c] > best[c];
      best[c] = wins ? v[c] : best[c];
      win[c] = wins ? code : win[c];
    }
  }
}

}  // namespace

void ponet_mixer_forward(float* y, const MixerSaved& s, const MixerInputs& in, const SegmentLayout& seg,
                         const MixerDims& dm, const PoNetBranches& br) {
  const int64_t L = dm.L, D = dm.D;
#pragma omp parallel
  {
    const RowScratch scratch(D);
    std::vector<float> lmp(D);
#pragma omp for schedule(dynamic, 1)
    for (int64_t b = 0; b < dm.B; ++b) {
      if (br.ga) {
        global_aggregation(in, s, dm, b);
      } else {  // no GA term: v = 0, and the saved GA state is zeros rather than stale memory
        std::fill(s.value + b * D, s.value + (b + 1) * D, 0.f);
        std::fill(s.query + b * D, s.query + (b + 1) * D, 0.f);
        std::fill(s.prob + b * dm.H * L, s.prob + (b + 1) * dm.H * L, 0.f);
      }
      if (br.smp) segment_pool(in, s, seg, dm, scratch, b);
      const float* value = s.value + b * D;
      for (int64_t l = 0; l < L; ++l) {
        const int64_t row = b * L + l;
        if (br.lmp) local_pool(in, dm, scratch, b, l, lmp.data(), s.loc_win + row * D);
        float* yr = y + row * D;
        if (!in.valid[row]) {  // padded rows are zeroed
          std::fill(yr, yr + D, 0.f);
          continue;
        }
        // PF of GA, SMP and LMP; CLS/SEP keep only the GA term (their pools are zero); a removed branch
        // reads as zeros (v is zero without GA)
        const float* smp = br.smp ? segment_pooled_row(in, s, seg, scratch, b, row, D) : scratch.zeros.data();
        const float* lm = br.lmp && !is_special(in, row) ? lmp.data() : scratch.zeros.data();
        const float* o = in.o + row * D;
        for (int64_t c = 0; c < D; ++c) yr[c] = (value[c] + smp[c]) * o[c] + lm[c];
      }
    }
  }
}

void ponet_mixer_backward(float* dq, float* dk, float* d_o, float* dlocal, float* dsegment, const float* dy,
                          const MixerSaved& s, const MixerInputs& in, const SegmentLayout& seg,
                          const MixerDims& dm, const PoNetBranches& br) {
  const int64_t L = dm.L, D = dm.D, H = dm.H, d = D / H, K = seg.K;
  const float inv_sqrt_d = 1.f / std::sqrt(static_cast<float>(d));
#pragma omp parallel
  {
  const RowScratch scratch(D);
#pragma omp for schedule(dynamic, 1)
  for (int64_t b = 0; b < dm.B; ++b) {
    const int64_t* valid = in.valid + b * L;
    // gradient reaching the mixer output: zero on padded rows (y was filled)
    auto gy = [&](int64_t l) { return valid[l] ? dy + (b * L + l) * D : scratch.zeros.data(); };
    // ... and reaching the pools: also zero on special rows (their pools were zeroed)
    auto pool_grad = [&](int64_t l) { return is_special(in, b * L + l) ? scratch.zeros.data() : gy(l); };

    // PF: y = (v + smp) * o + lmp (v is zero without GA, smp without SMP)
    std::vector<double> dv(D, 0.0);
    const float* value = s.value + b * D;
    for (int64_t l = 0; l < L; ++l) {
      const int64_t row = b * L + l;
      const float* g = gy(l);
      const float* o = in.o + row * D;
      const float* smp = br.smp ? segment_pooled_row(in, s, seg, scratch, b, row, D) : scratch.zeros.data();
      float* dor = d_o + row * D;
      for (int64_t c = 0; c < D; ++c) {
        dor[c] = g[c] * (value[c] + smp[c]);
        dv[c] += static_cast<double>(g[c]) * o[c];
      }
    }

    // SMP: each segment's summed gradient goes to its winner; padded rows were fills (no gradient)
    std::fill(dsegment + b * L * D, dsegment + (b + 1) * L * D, 0.f);
    const int64_t* order = seg.order.data() + b * L;
    const int64_t* start = seg.start.data() + b * (K + 1);
    std::vector<double> total(D);
    for (int64_t kk = 0; br.smp && kk < K && start[kk] < start[kk + 1]; ++kk) {
      std::fill(total.begin(), total.end(), 0.0);
      for (int64_t i = start[kk]; i < start[kk + 1]; ++i) {
        const int64_t l = order[i];
        const float* g = pool_grad(l);
        const float* o = in.o + (b * L + l) * D;
        for (int64_t c = 0; c < D; ++c) total[c] += g[c] * o[c];
      }
      const int64_t* winner = s.seg_win + (b * K + kk) * D;
      for (int64_t c = 0; c < D; ++c) {
        const int64_t w = winner[c];
        if (valid[w]) dsegment[(b * L + w) * D + c] = static_cast<float>(total[c]);
      }
    }

    // LMP: gather the windows that picked each position
    for (int64_t m = 0; m < L; ++m) {
      float* dl = dlocal + (b * L + m) * D;
      std::fill(dl, dl + D, 0.f);
      if (!br.lmp || !valid[m] || is_special(in, b * L + m)) continue;  // fills never win
      const int64_t lo = std::max<int64_t>(m - 1, 0), hi = std::min<int64_t>(m + 1, L - 1);
      for (int64_t l = lo; l <= hi; ++l) {
        const float* g = pool_grad(l);
        const uint8_t* win = s.loc_win + (b * L + l) * D;
        const uint8_t picks_m = static_cast<uint8_t>(m - l + 1);  // window l's code for position m
        for (int64_t c = 0; c < D; ++c) dl[c] += win[c] == picks_m ? g[c] : 0.f;
      }
    }

    // GA: v_h = sum_l p_l k_l with p = softmax(g_h . k_l / sqrt d + mask); K is also the value
    if (!br.ga) {  // q and k reach y only through GA
      std::fill(dq + b * L * D, dq + (b + 1) * L * D, 0.f);
      std::fill(dk + b * L * D, dk + (b + 1) * L * D, 0.f);
      continue;
    }
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
}

}  // namespace ponet::cpu
