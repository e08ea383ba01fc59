// Fused multi-head attention, q, k, v, out (B, L, H*d), P (B, H, L, L) (kernels/cpu/attention.h).
// Reference: attention_reference_forward/backward, the plain loops at the end of this file. Tested by
// tests/ops_table/ (rows "attention": build/test_ops value --filter attention) and
// tests/test_attention.cpp; timed by bench/bench_attention.cpp.
//
// Fused attention on cpu::gemm. Every GEMM reads a head in place: head h of batch b starts at
// x + b*L*D + h*d with leading dimension D, and P_bh is an L x L block with leading dimension L.
#include "kernels/cpu/attention.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/cpu/dropout_multiply.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/lane_sum.h"
#include "kernels/cpu/vector_math.h"
#include "kernels/dropout_hash.h"

namespace ponet::cpu {

namespace {

// Sum (kernels/cpu/lane_sum.h) and max of a row with kLanes independent partials: without -ffast-math
// the compiler may not reorder a single running one, but it does vectorise kLanes separate ones.
constexpr int64_t kLanes = 16;

template <class Term>
double row_sum(int64_t n, const Term& term) {
  return lane_sum<float, kLanes>(n, term);
}

float row_max(const float* x, int64_t n) {
  float part[kLanes];
  std::fill(part, part + kLanes, -INFINITY);
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int64_t t = 0; t < kLanes; ++t) part[t] = x[j + t] > part[t] ? x[j + t] : part[t];
  float mx = -INFINITY;
  for (; j < n; ++j) mx = std::max(mx, x[j]);
  for (float m : part) mx = std::max(mx, m);
  return mx;
}

// One row of scores -> probabilities, in place. key_bias (0 for a real key, -inf for a padded one, or
// nullptr) keeps padded keys out of the max and the sum and gives them exactly 0 (the official code's
// -1e6 bias underflows to 0 in float32 as well).
void softmax_row(float* s, const float* key_bias, int64_t L) {
  if (key_bias)
    for (int64_t j = 0; j < L; ++j) s[j] += key_bias[j];
  const float mx = row_max(s, L);
  for (int64_t j = 0; j < L; ++j) s[j] = exp_nonpositive(s[j] - mx);
  const float inv = static_cast<float>(1.0 / row_sum(L, [s](int64_t j) { return s[j]; }));
  for (int64_t j = 0; j < L; ++j) s[j] *= inv;
}

// w holds dP' on entry and dS on exit: dP = dP' * mask-scale, dS = P * (dP - sum_j dP_j P_j).
void softmax_backward_row(float* w, const float* prob, int64_t L, float p, uint64_t seed, uint64_t base) {
  if (p > 0.f) dropout_multiply(w, w, L, seed, base, p);
  const float dot = static_cast<float>(row_sum(L, [w, prob](int64_t j) { return w[j] * prob[j]; }));
  for (int64_t j = 0; j < L; ++j) w[j] = prob[j] * (w[j] - dot);
}

// Rows of P handled by one task: a block of kRowBlock x L scores stays in cache from the GEMM that makes
// it through the softmax to the GEMM that consumes it (a multiple of gemm's 6-row micro-tile).
constexpr int64_t kRowBlock = 48;

}  // namespace

// Every row of P depends only on its own query, so the forward is one parallel loop over
// (pair, row block) tasks, each calling the single-threaded path of cpu::gemm (its parallel regions are
// nested in ours and, with OpenMP's default of one active level, run on the calling thread). The result
// does not depend on the number of threads.
void attention_forward(float* out, float* prob, const float* q, const float* k, const float* v,
                       const int64_t* key_valid, const AttentionDims& dims, float p, uint64_t seed) {
  const int64_t B = dims.B, L = dims.L, H = dims.H, d = dims.d, D = H * d;
  const int64_t blocks = (L + kRowBlock - 1) / kRowBlock, tasks = B * H * blocks;
  const float inv_sqrt_d = 1.f / std::sqrt(static_cast<float>(d));
  const bool drop = p > 0.f;
  std::vector<float> key_bias(key_valid ? static_cast<size_t>(B * L) : 0);
  for (size_t i = 0; i < key_bias.size(); ++i) key_bias[i] = key_valid[i] ? 0.f : -INFINITY;
#pragma omp parallel
  {
    std::vector<float> dropped(drop ? static_cast<size_t>(kRowBlock * L) : 0);  // P' of this task's rows
#pragma omp for schedule(dynamic)
    for (int64_t task = 0; task < tasks; ++task) {
      const int64_t pair = task / blocks, b = pair / H, i0 = (task % blocks) * kRowBlock;
      const int64_t rows = std::min(kRowBlock, L - i0), head = b * L * D + (pair % H) * d;
      float* P = prob + (pair * L + i0) * L;  // rows i0 .. i0+rows of P_bh
      const float* bias = key_valid ? key_bias.data() + b * L : nullptr;
      gemm(false, true, rows, L, d, inv_sqrt_d, q + head + i0 * D, D, k + head, D, 0.f, P, L);  // S = Q K^T / sqrt(d)
      for (int64_t i = 0; i < rows; ++i) {
        softmax_row(P + i * L, bias, L);
        if (drop) {
          const uint64_t base = static_cast<uint64_t>((pair * L + i0 + i) * L);
          dropout_multiply(dropped.data() + i * L, P + i * L, L, seed, base, p);
        }
      }
      gemm(false, false, rows, d, L, 1.f, drop ? dropped.data() : P, L, v + head, D, 0.f, out + head + i0 * D, D);
    }
  }
}

// Two phases per group of pairs. Rows: dP' = dOut V^T, dS and dQ = dS K need only the rows of a block.
// Columns: dK = dS^T Q and dV = P'^T dOut sum over all rows, so they run over blocks of key columns
// once every row of dS is done. dS of the group lives in `grad_scores` (group x L x L floats); the group
// is one pair when a pair alone has enough row blocks to occupy the threads, never more pairs than
// threads. P' is recomputed from P and the seed one column block at a time.
void attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* prob, const float* q,
                        const float* k, const float* v, const AttentionDims& dims, float p, uint64_t seed) {
  const int64_t B = dims.B, L = dims.L, H = dims.H, d = dims.d, D = H * d, pairs = B * H;
  const int64_t blocks = (L + kRowBlock - 1) / kRowBlock;
  const int64_t threads = omp_get_max_threads();
  const int64_t group = std::max<int64_t>(1, std::min({pairs, threads, (2 * threads + blocks - 1) / blocks}));
  const float inv_sqrt_d = 1.f / std::sqrt(static_cast<float>(d));
  const bool drop = p > 0.f;
  std::vector<float> grad_scores(static_cast<size_t>(group * L * L));
  for (int64_t first = 0; first < pairs; first += group) {
    const int64_t tasks = std::min(group, pairs - first) * blocks;
#pragma omp parallel
    {
      std::vector<float> dropped(drop ? static_cast<size_t>(L * kRowBlock) : 0);  // P'[:, block]
#pragma omp for schedule(dynamic)
      for (int64_t task = 0; task < tasks; ++task) {  // rows i0 .. i0+rows
        const int64_t pair = first + task / blocks, i0 = (task % blocks) * kRowBlock;
        const int64_t rows = std::min(kRowBlock, L - i0), head = (pair / H) * L * D + (pair % H) * d;
        float* W = grad_scores.data() + ((pair - first) * L + i0) * L;
        const float* P = prob + (pair * L + i0) * L;
        gemm(false, true, rows, L, d, 1.f, dout + head + i0 * D, D, v + head, D, 0.f, W, L);  // dP' = dOut V^T
        for (int64_t i = 0; i < rows; ++i)
          softmax_backward_row(W + i * L, P + i * L, L, p, seed, static_cast<uint64_t>((pair * L + i0 + i) * L));
        // dQ = dS K / sqrt(d)
        gemm(false, false, rows, d, L, inv_sqrt_d, W, L, k + head, D, 0.f, dq + head + i0 * D, D);
      }
      // (the implicit barrier of the loop above: every row of dS is ready)
#pragma omp for schedule(dynamic)
      for (int64_t task = 0; task < tasks; ++task) {  // key columns j0 .. j0+cols
        const int64_t pair = first + task / blocks, j0 = (task % blocks) * kRowBlock;
        const int64_t cols = std::min(kRowBlock, L - j0), head = (pair / H) * L * D + (pair % H) * d;
        const float* W = grad_scores.data() + (pair - first) * L * L + j0;
        // dK = dS^T Q / sqrt(d)
        gemm(true, false, cols, d, L, inv_sqrt_d, W, L, q + head, D, 0.f, dk + head + j0 * D, D);
        const float* Pd = prob + pair * L * L + j0;
        int64_t ld = L;
        if (drop) {
          for (int64_t i = 0; i < L; ++i) {
            const uint64_t base = static_cast<uint64_t>((pair * L + i) * L + j0);
            dropout_multiply(dropped.data() + i * cols, Pd + i * L, cols, seed, base, p);
          }
          Pd = dropped.data();
          ld = cols;
        }
        gemm(true, false, cols, d, L, 1.f, Pd, ld, dout + head, D, 0.f, dv + head + j0 * D, D);  // dV = P'^T dOut
      }
    }
  }
}

// ---- the plain reference ------------------------------------------------------------------------

namespace {

// P (pre-dropout) and P' of pair (b, h) in double, [L, L] each.
void reference_probs(std::vector<double>& P, std::vector<double>& Pd, const float* q, const float* k,
                     const int64_t* key_valid, const AttentionDims& dims, int64_t b, int64_t h, float p,
                     uint64_t seed) {
  const int64_t L = dims.L, H = dims.H, d = dims.d, D = H * d;
  P.assign(static_cast<size_t>(L * L), 0.0);
  Pd.assign(static_cast<size_t>(L * L), 0.0);
  for (int64_t i = 0; i < L; ++i) {
    double mx = -INFINITY;
    std::vector<double> s(static_cast<size_t>(L), 0.0);
    for (int64_t j = 0; j < L; ++j) {
      if (key_valid && !key_valid[b * L + j]) continue;
      double dot = 0.0;
      const float* qi = q + (b * L + i) * D + h * d;
      const float* kj = k + (b * L + j) * D + h * d;
      for (int64_t c = 0; c < d; ++c) dot += static_cast<double>(qi[c]) * kj[c];
      s[j] = dot / std::sqrt(static_cast<double>(d));
      mx = std::max(mx, s[j]);
    }
    double z = 0.0;
    for (int64_t j = 0; j < L; ++j)
      if (!key_valid || key_valid[b * L + j]) z += std::exp(s[j] - mx);
    for (int64_t j = 0; j < L; ++j) {
      if (key_valid && !key_valid[b * L + j]) continue;
      P[i * L + j] = std::exp(s[j] - mx) / z;
      const uint64_t index = static_cast<uint64_t>(((b * H + h) * L + i) * L + j);
      Pd[i * L + j] = p > 0.f ? P[i * L + j] * dropout_scale(seed, index, p) : P[i * L + j];
    }
  }
}

}  // namespace

void attention_reference_forward(float* out, float* prob, const float* q, const float* k, const float* v,
                                 const int64_t* key_valid, const AttentionDims& dims, float p, uint64_t seed) {
  const int64_t B = dims.B, L = dims.L, H = dims.H, d = dims.d, D = H * d;
  std::vector<double> P, Pd;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      reference_probs(P, Pd, q, k, key_valid, dims, b, h, p, seed);
      for (int64_t i = 0; i < L * L; ++i) prob[(b * H + h) * L * L + i] = static_cast<float>(P[i]);
      for (int64_t i = 0; i < L; ++i)
        for (int64_t c = 0; c < d; ++c) {
          double acc = 0.0;
          for (int64_t j = 0; j < L; ++j) acc += Pd[i * L + j] * v[(b * L + j) * D + h * d + c];
          out[(b * L + i) * D + h * d + c] = static_cast<float>(acc);
        }
    }
}

void attention_reference_backward(float* dq, float* dk, float* dv, const float* dout, const float* q, const float* k,
                                  const float* v, const int64_t* key_valid, const AttentionDims& dims, float p,
                                  uint64_t seed) {
  const int64_t B = dims.B, L = dims.L, H = dims.H, d = dims.d, D = H * d;
  const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(d));
  std::vector<double> P, Pd, dS(static_cast<size_t>(L * L));
  auto at = [&](int64_t b, int64_t l, int64_t h, int64_t c) { return (b * L + l) * D + h * d + c; };
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      reference_probs(P, Pd, q, k, key_valid, dims, b, h, p, seed);
      for (int64_t i = 0; i < L; ++i) {
        std::vector<double> dP(static_cast<size_t>(L));
        double rowdot = 0.0;
        for (int64_t j = 0; j < L; ++j) {
          double dPd = 0.0;  // dP'_ij = sum_c dOut_ic V_jc
          for (int64_t c = 0; c < d; ++c) dPd += static_cast<double>(dout[at(b, i, h, c)]) * v[at(b, j, h, c)];
          const uint64_t index = static_cast<uint64_t>(((b * H + h) * L + i) * L + j);
          dP[j] = p > 0.f ? dPd * dropout_scale(seed, index, p) : dPd;
          rowdot += dP[j] * P[i * L + j];
        }
        for (int64_t j = 0; j < L; ++j) dS[i * L + j] = P[i * L + j] * (dP[j] - rowdot);
      }
      for (int64_t i = 0; i < L; ++i)
        for (int64_t c = 0; c < d; ++c) {
          double aq = 0.0, ak = 0.0, av = 0.0;
          for (int64_t j = 0; j < L; ++j) {
            aq += dS[i * L + j] * k[at(b, j, h, c)];
            ak += dS[j * L + i] * q[at(b, j, h, c)];
            av += Pd[j * L + i] * dout[at(b, j, h, c)];
          }
          dq[at(b, i, h, c)] = static_cast<float>(aq * inv_sqrt_d);
          dk[at(b, i, h, c)] = static_cast<float>(ak * inv_sqrt_d);
          dv[at(b, i, h, c)] = static_cast<float>(av);
        }
    }
}

}  // namespace ponet::cpu
