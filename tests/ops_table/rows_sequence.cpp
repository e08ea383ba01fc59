// Rows: the PoNet pooling primitives (max_pool1d, segment_max, masked_mean), the fused PoNet mixer,
// softmax attention and FNet's fourier_mix: small rows for gradcheck, large ones that reach the CUDA
// kernels' multi-block and grid-stride loops (L in the thousands, more channels than a block has threads).
#include <algorithm>
#include <cmath>
#include <complex>
#include <map>

#include "autograd/ops.h"
#include "kernels/dropout_hash.h"
#include "nn/segment_index.h"
#include "tests/ops_table/reference_ponet_mixer.h"
#include "tests/ops_table/row_util.h"

namespace ponet::ops_table {
namespace {

// Pools pick winners: the gradcheck step must not change them, so the inputs of pooling rows are an
// evenly spaced grid (gap 0.05 > 2 eps) in a seeded random order.
Tensor spread_input(const Shape& shape, uint64_t seed) {
  const int64_t n = shape_numel(shape);
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = 0.05f * static_cast<float>(i) - 0.025f * static_cast<float>(n);
  Rng rng(seed);
  for (int64_t i = n - 1; i > 0; --i) std::swap(v[i], v[rng.next_u64() % static_cast<uint64_t>(i + 1)]);
  return Tensor::from_vector(v, shape).set_requires_grad(true);
}

Expected max_pool_ref(const Tensor& x) {
  const int64_t B = x.size(0), L = x.size(1), C = x.size(2);
  std::vector<double> v = as_double(x), out(v.size());
  for (int64_t b = 0; b < B; ++b)
    for (int64_t l = 0; l < L; ++l)
      for (int64_t c = 0; c < C; ++c) {
        double m = -INFINITY;
        for (int64_t j = std::max<int64_t>(0, l - 1); j <= std::min(L - 1, l + 1); ++j) m = std::max(m, v[(b * L + j) * C + c]);
        out[(b * L + l) * C + c] = m;
      }
  return {x.shape(), out};
}

// The causal max (prefix_max): every output scans its range [start(t), t] in double.
Expected prefix_max_ref(const Tensor& x, int64_t segment_length, int64_t window) {
  const int64_t B = x.size(0), L = x.size(1), C = x.size(2);
  std::vector<double> v = as_double(x), out(v.size());
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < L; ++t) {
      int64_t start = segment_length > 0 ? t - t % segment_length : 0;
      if (window > 0) start = std::max(start, t - window + 1);
      for (int64_t c = 0; c < C; ++c) {
        double m = -INFINITY;
        for (int64_t j = start; j <= t; ++j) m = std::max(m, v[(b * L + j) * C + c]);
        out[(b * L + t) * C + c] = m;
      }
    }
  return {x.shape(), out};
}

// Segments are the positions of a row sharing an id, wherever they are (not only runs).
Expected segment_max_ref(const Tensor& x, const Tensor& ids) {
  const int64_t B = x.size(0), L = x.size(1), C = x.size(2);
  std::vector<double> v = as_double(x), out(v.size());
  std::vector<int64_t> id = ids.to_vector_i64();
  for (int64_t b = 0; b < B; ++b) {
    std::map<int64_t, std::vector<double>> best;  // segment id -> its max per channel
    for (int64_t l = 0; l < L; ++l) {
      std::vector<double>& m = best.try_emplace(id[b * L + l], C, -INFINITY).first->second;
      for (int64_t c = 0; c < C; ++c) m[c] = std::max(m[c], v[(b * L + l) * C + c]);
    }
    for (int64_t l = 0; l < L; ++l)
      for (int64_t c = 0; c < C; ++c) out[(b * L + l) * C + c] = best[id[b * L + l]][c];
  }
  return {x.shape(), out};
}

Expected masked_mean_ref(const Tensor& x, const Tensor& mask) {
  const int64_t B = x.size(0), L = x.size(1), C = x.size(2);
  std::vector<double> v = as_double(x), m = as_double(mask), out(static_cast<size_t>(B * C), 0.0);
  for (int64_t b = 0; b < B; ++b) {
    double n = 0;
    for (int64_t l = 0; l < L; ++l) n += m[b * L + l];
    for (int64_t l = 0; l < L; ++l)
      for (int64_t c = 0; c < C; ++c) out[b * C + c] += m[b * L + l] * v[(b * L + l) * C + c] / n;
  }
  return {{B, C}, out};
}

// Scaled dot-product attention per head over the real keys (all keys when key_valid is undefined), in
// double. With dropout, P[b, h, i, j] is kept and scaled by dropout_scale(seed, ((b H + h) L + i) L + j, p)
// after the softmax (the contract in kernels/cpu/attention.h), seed the op's one draw from its Rng.
Expected attention_ref(const Tensor& q_t, const Tensor& k_t, const Tensor& v_t, const Tensor& key_valid, int64_t H,
                       float p, uint64_t seed) {
  const int64_t B = q_t.size(0), L = q_t.size(1), D = q_t.size(2), d = D / H;
  std::vector<double> q = as_double(q_t), k = as_double(k_t), v = as_double(v_t), out(q.size(), 0.0);
  std::vector<double> valid = key_valid.defined() ? as_double(key_valid) : std::vector<double>(static_cast<size_t>(B * L), 1);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < L; ++i) {
        std::vector<double> w(L, 0.0);  // scores, then unnormalised probabilities
        double mx = -INFINITY, z = 0;
        for (int64_t j = 0; j < L; ++j) {
          if (!valid[b * L + j]) continue;
          double s = 0;
          for (int64_t c = 0; c < d; ++c) s += q[(b * L + i) * D + h * d + c] * k[(b * L + j) * D + h * d + c];
          w[j] = s / std::sqrt(static_cast<double>(d));
          mx = std::max(mx, w[j]);
        }
        for (int64_t j = 0; j < L; ++j) z += valid[b * L + j] ? (w[j] = std::exp(w[j] - mx)) : (w[j] = 0);
        for (int64_t j = 0; j < L; ++j) {
          const uint64_t index = static_cast<uint64_t>(((b * H + h) * L + i) * L + j);
          const double kept = p > 0 ? w[j] / z * dropout_scale(seed, index, p) : w[j] / z;
          for (int64_t c = 0; c < d; ++c) out[(b * L + i) * D + h * d + c] += kept * v[(b * L + j) * D + h * d + c];
        }
      }
  return {q_t.shape(), out};
}

// Re(FFT over L of FFT over D), separably in double: O(L D (L + D)) per batch.
Expected fourier_ref(const Tensor& x) {
  const int64_t L = x.size(-2), D = x.size(-1), batch = x.numel() / std::max<int64_t>(L * D, 1);
  const double two_pi = 2 * std::acos(-1.0);
  std::vector<double> v = as_double(x), out(v.size());
  for (int64_t p = 0; p < batch; ++p) {
    std::vector<std::complex<double>> y(static_cast<size_t>(L * D));
    for (int64_t m = 0; m < L; ++m)
      for (int64_t c = 0; c < D; ++c)
        for (int64_t n = 0; n < D; ++n) y[m * D + c] += v[(p * L + m) * D + n] * std::polar(1.0, -two_pi * (c * n % D) / D);
    for (int64_t l = 0; l < L; ++l)
      for (int64_t c = 0; c < D; ++c) {
        std::complex<double> s = 0;
        for (int64_t m = 0; m < L; ++m) s += y[m * D + c] * std::polar(1.0, -two_pi * (l * m % L) / L);
        out[(p * L + l) * D + c] = s.real();
      }
  }
  return {x.shape(), out};
}

struct MixerShape {
  int64_t B, L, D, heads;
  bool special_tokens;  // [CLS]/[SEP] sentences with derived segments, else LRA chunks of `chunk`
  int64_t chunk;
  std::vector<int64_t> real;  // real tokens per row (padding after)
};

// q, k, o, local, segment, valid, segment_ids, special
Inputs mixer_inputs(const MixerShape& m, bool spread) {
  Inputs in;
  for (uint64_t i = 0; i < 5; ++i)
    in.push_back(spread && i >= 3 ? spread_input({m.B, m.L, m.D}, 100 + i) : uniform_input({m.B, m.L, m.D}, 100 + i));
  in.push_back(prefix_mask(m.B, m.L, m.real));
  if (m.special_tokens) {
    // [CLS] w w [SEP] w w w [SEP] ... : a separator every 4 tokens, padding (id 0) after the real ones
    std::vector<int64_t> ids(static_cast<size_t>(m.B * m.L), 0);
    for (int64_t b = 0; b < m.B; ++b)
      for (int64_t l = 0; l < m.real[b]; ++l) ids[b * m.L + l] = l == 0 ? 101 : (l % 4 == 3 || l == m.real[b] - 1) ? 102 : 5 + l;
    Tensor t = Tensor::from_vector_i64(ids, {m.B, m.L});
    in.push_back(nn::derive_segment_index(t, 101, 102));
    in.push_back(nn::special_token_mask(t, 101, 102));
  } else {
    in.push_back(chunk_segments(m.B, m.L, m.chunk));
    in.push_back(Tensor());
  }
  return in;
}

std::vector<OpCase> rows() {
  std::vector<OpCase> out;
  const unsigned big = kValue | kDevice | kPerf;
  for (Shape s : {Shape{2, 9, 5}, Shape{1, 1, 3}, Shape{4, 4096, 96}}) {
    const bool large = s[1] > 100;
    out.push_back({"max_pool1d", shape_str(s), large ? big : kAllModes, [s] { return Inputs{spread_input(s, 110)}; },
                   [](const Inputs& in) { return max_pool1d(in[0]); }, [](const Inputs& in) { return max_pool_ref(in[0]); },
                   {0, 0}, {1e-3, 5e-3}, 1e-2f, {0, 0}});
    // the causal pools: running segment max (segments of 4 / 40), left window of 3, both, one prefix
    for (auto [seg, win] : {std::pair<int64_t, int64_t>{large ? 40 : 4, 0}, {0, 3}, {large ? 40 : 4, 3}, {0, 0}}) {
      out.push_back({"prefix_max", shape_str(s) + " segment " + std::to_string(seg) + " window " + std::to_string(win),
                     large ? big : kAllModes, [s] { return Inputs{spread_input(s, 114)}; },
                     [seg, win](const Inputs& in) { return prefix_max(in[0], seg, win); },
                     [seg, win](const Inputs& in) { return prefix_max_ref(in[0], seg, win); }, {0, 0}, {1e-3, 5e-3},
                     1e-2f, {0, 0}});
    }
    out.push_back({"segment_max", shape_str(s) + " segments of 3 / 33", large ? big : kAllModes,
                   [s, large] { return Inputs{spread_input(s, 111), chunk_segments(s[0], s[1], large ? 33 : 3)}; },
                   [](const Inputs& in) { return segment_max(in[0], in[1]); },
                   [](const Inputs& in) { return segment_max_ref(in[0], in[1]); }, {0, 0}, {1e-3, 5e-3}, 1e-2f, {0, 0}});
    std::vector<int64_t> real(static_cast<size_t>(s[0]), s[1]);
    real[0] = std::max<int64_t>(1, s[1] - 2);
    out.push_back({"masked_mean", shape_str(s) + " first row padded", large ? big : kAllModes,
                   [s, real] { return Inputs{uniform_input(s, 112), prefix_mask(s[0], s[1], real)}; },
                   [](const Inputs& in) { return masked_mean(in[0], in[1]); },
                   [](const Inputs& in) { return masked_mean_ref(in[0], in[1]); }, {1e-6, 1e-5}, {1e-3, 5e-3}, 1e-2f,
                   {1e-6, 1e-5}});
  }
  // segments that are not runs (an id comes back later in the row) and ids in no order
  out.push_back({"segment_max", "[2, 8, 3] ids repeated apart, unsorted", kAllModes,
                 [] {
                   return Inputs{spread_input({2, 8, 3}, 113),
                                 Tensor::from_vector_i64({5, 5, 0, 9, 0, 9, 9, 5, /**/ 0, 1, 1, 2, 3, 3, 4, 5}, {2, 8})};
                 },
                 [](const Inputs& in) { return segment_max(in[0], in[1]); },
                 [](const Inputs& in) { return segment_max_ref(in[0], in[1]); }, {0, 0}, {1e-3, 5e-3}, 1e-2f, {0, 0}});
  // a mask with holes: padding between real positions, not only at the end
  out.push_back({"masked_mean", "[2, 4, 3] mask with holes", kAllModes,
                 [] { return Inputs{uniform_input({2, 4, 3}, 114), Tensor::from_vector_i64({1, 1, 0, 1, 0, 1, 0, 0}, {2, 4})}; },
                 [](const Inputs& in) { return masked_mean(in[0], in[1]); },
                 [](const Inputs& in) { return masked_mean_ref(in[0], in[1]); }, {1e-6, 1e-5}, {1e-3, 5e-3}, 1e-2f,
                 {1e-6, 1e-5}});

  for (const MixerShape& m : {MixerShape{2, 9, 8, 2, true, 0, {7, 9}}, MixerShape{2, 10, 6, 3, false, 3, {7, 10}},
                              MixerShape{2, 2048, 64, 2, false, 33, {2000, 2048}},
                              MixerShape{3, 1030, 300, 3, true, 0, {1030, 517, 3}}}) {
    const bool large = m.L > 100;
    const std::string what = "[" + std::to_string(m.B) + ", " + std::to_string(m.L) + ", " + std::to_string(m.D) + "] " +
                             std::to_string(m.heads) + " heads, " +
                             (m.special_tokens ? "sentences with [CLS]/[SEP]" : "LRA chunks of " + std::to_string(m.chunk)) +
                             ", padded";
    out.push_back({"ponet_mixer", what, large ? big : kAllModes, [m, large] { return mixer_inputs(m, !large); },
                   [h = m.heads](const Inputs& in) { return ponet_mixer(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], h); },
                   [h = m.heads](const Inputs& in) {
                     return Expected{in[0].shape(), naive_ponet_mixer(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], h)};
                   },
                   {2e-6, 1e-5}, {1e-3, 5e-3}, 1e-2f, {1e-5, 1e-4}});
  }
  // the overload a model calls: the per-batch part prepared once (make_ponet_mixer_batch)
  const MixerShape prepared{2, 9, 8, 2, true, 0, {7, 9}};
  out.push_back({"ponet_mixer", "[2, 9, 8] through make_ponet_mixer_batch", kAllModes,
                 [prepared] { return mixer_inputs(prepared, true); },
                 [](const Inputs& in) {
                   auto batch = make_ponet_mixer_batch(in[5], in[6], in[7], in[0].device());
                   return ponet_mixer(in[0], in[1], in[2], in[3], in[4], *batch, 2);
                 },
                 [](const Inputs& in) {
                   return Expected{in[0].shape(), naive_ponet_mixer(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], 2)};
                 },
                 {2e-6, 1e-5}, {1e-3, 5e-3}, 1e-2f, {1e-5, 1e-4}});

  // the paper's ablation: PF without one branch (kernels/ponet_branches.h), on both small layouts; the
  // reference leaves the removed term out of its sum, the gradcheck sees zero gradients for its inputs
  struct Variant {
    const char* name;
    PoNetBranches branches;
  };
  for (const Variant& v : {Variant{"without GA", {false, true, true}}, Variant{"without SMP", {true, false, true}},
                           Variant{"without LMP", {true, true, false}}})
    for (const MixerShape& m : {MixerShape{2, 9, 8, 2, true, 0, {7, 9}}, MixerShape{2, 10, 6, 3, false, 3, {7, 10}}}) {
      const std::string what = "[" + std::to_string(m.B) + ", " + std::to_string(m.L) + ", " + std::to_string(m.D) +
                               "] " + v.name + (m.special_tokens ? ", sentences with [CLS]/[SEP]" : ", LRA chunks");
      const PoNetBranches br = v.branches;
      out.push_back({"ponet_mixer", what, kAllModes, [m] { return mixer_inputs(m, true); },
                     [h = m.heads, br](const Inputs& in) {
                       auto batch = make_ponet_mixer_batch(in[5], in[6], in[7], in[0].device());
                       return ponet_mixer(in[0], in[1], in[2], in[3], in[4], *batch, h, br);
                     },
                     [h = m.heads, br](const Inputs& in) {
                       return Expected{in[0].shape(),
                                       naive_ponet_mixer(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], h, br)};
                     },
                     {2e-6, 1e-5}, {1e-3, 5e-3}, 1e-2f, {1e-5, 1e-4}});
    }

  struct Att {
    int64_t B, L, D, heads;
    float dropout;
    std::vector<int64_t> real;  // empty: no key mask at all
  };
  for (const Att& a : {Att{2, 7, 8, 2, 0.f, {5, 7}}, Att{2, 5, 6, 2, 0.f, {}}, Att{2, 6, 6, 3, 0.2f, {6, 4}},
                       Att{2, 515, 128, 4, 0.f, {515, 300}}, Att{1, 1030, 64, 2, 0.1f, {1030}}}) {
    const bool large = a.L > 100;
    out.push_back({"attention",
                   "[" + std::to_string(a.B) + ", " + std::to_string(a.L) + ", " + std::to_string(a.D) + "] " +
                       std::to_string(a.heads) + " heads, " + (a.real.empty() ? "no key mask" : "padded keys") +
                       (a.dropout > 0 ? ", dropout on P" : ""),
                   large ? big : kAllModes,
                   [a] {
                     return Inputs{uniform_input({a.B, a.L, a.D}, 120), uniform_input({a.B, a.L, a.D}, 121),
                                   uniform_input({a.B, a.L, a.D}, 122),
                                   a.real.empty() ? Tensor() : prefix_mask(a.B, a.L, a.real)};
                   },
                   [a](const Inputs& in) {
                     Rng rng(9);
                     return attention(in[0], in[1], in[2], in[3], a.heads, a.dropout, a.dropout > 0, rng);
                   },
                   [a](const Inputs& in) {
                     return attention_ref(in[0], in[1], in[2], in[3], a.heads, a.dropout, Rng(9).next_u64());
                   },
                   {2e-6, 1e-5}, {1e-3, 5e-3}, 1e-2f, {1e-5, 1e-4}});
  }

  for (Shape s : {Shape{2, 8, 6}, Shape{3, 16, 32}, Shape{5, 7}, Shape{1, 1, 1}, Shape{4, 1, 6}, Shape{2, 9, 1},
                  Shape{2, 7, 5}, Shape{1, 31, 33}, Shape{2, 3, 97, 12}, Shape{2, 127, 65}, Shape{2, 512, 128},
                  Shape{1, 1000, 96}}) {
    const bool large = shape_numel(s) > 50000;
    auto pow2 = [](int64_t n) { return (n & (n - 1)) == 0; };
    const bool radix2 = pow2(s[s.size() - 1]) && pow2(s[s.size() - 2]);
    out.push_back({"fourier_mix", shape_str(s) + (radix2 ? " (radix 2)" : " (Bluestein)"),
                   // gradcheck sums every output in float: beyond a few thousand outputs of size ~sqrt(L D) the
                   // rounding of that sum exceeds the tolerance, so the larger rows check values only
                   large ? big : shape_numel(s) > 2000 ? kValue | kDevice : kAllModes, [s] { return Inputs{uniform_input(s, 130)}; },
                   [](const Inputs& in) { return fourier_mix(in[0]); }, [](const Inputs& in) { return fourier_ref(in[0]); },
                   // outputs grow as sqrt(L D) and their rounding with them
                   large ? Tolerance{2e-3, 1e-4} : shape_numel(s) > 10000 ? Tolerance{2e-4, 1e-5} : Tolerance{1e-5, 1e-5},
                   // the op is linear, so the central difference is exact for any step: a large one keeps
                   // the float rounding of the outputs small beside the difference
                   {2e-3, 5e-3}, 0.25f,
                   large ? Tolerance{2e-3, 1e-4} : Tolerance{1e-4, 1e-5}});
  }
  out.push_back({"fourier_mix", "[2, 10, 12] transposed to [2, 12, 10] (strided input)", kAllModes,
                 [] { return Inputs{uniform_input({2, 10, 12}, 131)}; },
                 [](const Inputs& in) { return fourier_mix(in[0].transpose(1, 2)); },
                 [](const Inputs& in) { return fourier_ref(in[0].transpose(1, 2)); }, {1e-5, 1e-5}, {2e-3, 5e-3}, 0.25f,
                 {1e-4, 1e-5}});
  return out;
}

const AddRows registered(rows());

}  // namespace
}  // namespace ponet::ops_table
