#include "nn/mixers/ponet_causal.h"

#include <algorithm>

#include "core/error.h"
#include "kernels/activation_formulas.h"
#include "nn/mixers/ponet.h"

namespace ponet::nn {

namespace {

// GA's feature map phi(x) = 1 + gelu(x): smooth, and at least 0.83 everywhere (gelu's minimum is about
// -0.17), so every weight is positive and no normaliser is ever 0. The decode uses the op's own formula.
Tensor feature(const Tensor& x) { return add_scalar(gelu(x), 1.f); }
float feature(float x) { return 1.f + activation::Gelu::forward(x); }

// [L, L] on `device`: lower[t, m] = 1 for m <= t; mean_t[m, t] = 1 / (t + 1) for m <= t (the transposed
// prefix-mean matrix: x^T [.., D, L] @ mean_t = the running means, transposed).
Tensor lower_ones(int64_t L, Device device) {
  std::vector<float> v(static_cast<size_t>(L * L), 0.f);
  for (int64_t t = 0; t < L; ++t)
    for (int64_t m = 0; m <= t; ++m) v[t * L + m] = 1.f;
  return Tensor::from_vector(v, {L, L}).to(device);
}
Tensor prefix_mean_t(int64_t L, Device device) {
  std::vector<float> v(static_cast<size_t>(L * L), 0.f);
  for (int64_t t = 0; t < L; ++t)
    for (int64_t m = 0; m <= t; ++m) v[m * L + t] = 1.f / static_cast<float>(t + 1);
  return Tensor::from_vector(v, {L, L}).to(device);
}

struct PoNetCausalState : DecodeState {
  int64_t seen = 0;
  std::vector<float> q_sum;         // [D]
  std::vector<float> key_moments;   // [h, d, d]: sum over m of phi(k_m)_i k_m_j
  std::vector<float> key_features;  // [h, d]: sum over m of phi(k_m)
  std::vector<float> segment_max;   // [D]: max of the segment's positions so far
  std::vector<float> recent_local;  // [kLocalWindow - 1, D]: the local projections of t-2, t-1 (ring)
  int64_t bytes() const override {
    const size_t floats = q_sum.size() + key_moments.size() + key_features.size() + segment_max.size() + recent_local.size();
    return static_cast<int64_t>(floats * sizeof(float) + sizeof(seen));
  }
};

}  // namespace

PoNetCausalMixer::PoNetCausalMixer(const MixerOptions& m)
    : dim_(m.dim), num_heads_(m.num_heads), segment_length_(m.causal_segment_length) {
  PONET_CHECK(m.num_heads * m.head_dim == m.dim, "causal PoNet mixer: num_heads ", m.num_heads, " x head_dim ",
              m.head_dim, " must equal the model width ", m.dim);
  PONET_CHECK(segment_length_ > 0, "causal PoNet mixer: causal_segment_length must be positive, got ", segment_length_);
  const int64_t D = m.dim;
  const PoNetProjections p = add_ponet_projections(
      m.names, [&](const char* name) { return register_module(name, std::make_shared<Linear>(D, D, m.init)); });
  q = p.q, k = p.k, o = p.o, local = p.local, segment = p.segment;
}

Tensor ponet_causal_mixer_composed(const Tensor& qx, const Tensor& kx, const Tensor& ox, const Tensor& lx,
                                   const Tensor& sx, const Tensor& pad_rows, int64_t h, int64_t segment_length,
                                   CausalMixerTrace* trace) {
  const int64_t B = qx.size(0), L = qx.size(1), D = qx.size(2), d = D / h;
  const Device dev = qx.device();
  auto heads = [&](const Tensor& t) { return t.reshape({B, L, h, d}).permute({0, 2, 1, 3}); };  // [B, h, L, d]

  // GA: the running mean of q, then the linearised attention of every g_t over k_0..k_t (values = keys)
  Tensor g = matmul(qx.transpose(1, 2), prefix_mean_t(L, dev)).transpose(1, 2);  // [B, L, D]
  Tensor weights = mul(matmul(heads(feature(g)), heads(feature(kx)).transpose(2, 3)), lower_ones(L, dev));  // [B, h, L, L]
  Tensor ga = div(matmul(weights, heads(kx)), sum(weights, {3}, true));  // [B, h, L, d]
  ga = ga.permute({0, 2, 1, 3}).reshape({B, L, D});

  // SMP: running max of the current segment; LMP: max of the left window
  Tensor smp = prefix_max(sx, segment_length, 0);
  Tensor lmp = prefix_max(lx, 0, PoNetCausalMixer::kLocalWindow);
  if (trace) *trace = {ga, smp, lmp};

  // PF, padded rows zeroed (right padding: no real position ever saw them)
  return masked_fill(add(mul(add(ga, smp), ox), lmp), pad_rows, 0.f);
}

Tensor PoNetCausalMixer::forward(const Tensor& x, const BatchContext& ctx) const {
  const Precision p = ctx.precision;  // the projections only: GA's weights and the pooling stay fp32
  return ponet_causal_mixer_composed(q->forward(x, p), k->forward(x, p), o->forward(x, p), local->forward(x, p),
                                     segment->forward(x, p), ctx.pad_rows, num_heads_, segment_length_);
}

std::unique_ptr<DecodeState> PoNetCausalMixer::start_decoding() const {
  auto s = std::make_unique<PoNetCausalState>();
  const int64_t D = dim_, d = D / num_heads_;
  s->q_sum.assign(D, 0.f);
  s->key_moments.assign(num_heads_ * d * d, 0.f);
  s->key_features.assign(D, 0.f);
  s->segment_max.assign(D, 0.f);
  s->recent_local.assign((kLocalWindow - 1) * D, 0.f);
  return s;
}

Tensor PoNetCausalMixer::decode_step(const Tensor& x, DecodeState& state) const {
  auto& s = dynamic_cast<PoNetCausalState&>(state);
  const int64_t D = dim_, h = num_heads_, d = D / h, t = s.seen;
  PONET_CHECK(x.dim() == 3 && x.size(0) == 1 && x.size(1) == 1 && x.size(2) == D,
              "causal PoNet mixer: decode_step takes one position [1, 1, ", D, "], got ", x.shape_str());
  const Precision p = Precision::fp32;  // generation runs in fp32 (docs/generation.md)
  const std::vector<float> qv = q->forward(x, p).to_vector(), kv = k->forward(x, p).to_vector(),
                           ov = o->forward(x, p).to_vector(), lv = local->forward(x, p).to_vector(),
                           sv = segment->forward(x, p).to_vector();
  std::vector<float> y(static_cast<size_t>(D));
  // GA: add q_t and k_t to the sums, then read g_t's attention off them
  for (int64_t c = 0; c < D; ++c) s.q_sum[c] += qv[c];
  const float inv_count = 1.f / static_cast<float>(t + 1);
  for (int64_t hh = 0; hh < h; ++hh) {
    float* moments = &s.key_moments[hh * d * d];
    float* features = &s.key_features[hh * d];
    const float* kh = &kv[hh * d];
    for (int64_t i = 0; i < d; ++i) {
      const float fk = feature(kh[i]);
      features[i] += fk;
      for (int64_t j = 0; j < d; ++j) moments[i * d + j] += fk * kh[j];
    }
    float norm = 0.f;
    std::vector<float> num(static_cast<size_t>(d), 0.f);
    for (int64_t i = 0; i < d; ++i) {
      const float fg = feature(s.q_sum[hh * d + i] * inv_count);
      norm += fg * features[i];
      for (int64_t j = 0; j < d; ++j) num[j] += fg * moments[i * d + j];
    }
    for (int64_t j = 0; j < d; ++j) y[hh * d + j] = num[j] / norm;
  }
  // SMP: a new segment restarts the running max; ties keep the earlier position (same value)
  const bool new_segment = t % segment_length_ == 0;
  for (int64_t c = 0; c < D; ++c) s.segment_max[c] = new_segment ? sv[c] : std::max(s.segment_max[c], sv[c]);
  // LMP over [t - 2, t] (fewer at the start); the ring holds t - 2 at slot t % 2 and t - 1 at (t + 1) % 2
  const int64_t ring = kLocalWindow - 1;
  for (int64_t c = 0; c < D; ++c) {
    float m = lv[c];
    for (int64_t back = 1; back <= std::min<int64_t>(ring, t); ++back) m = std::max(m, s.recent_local[((t - back) % ring) * D + c]);
    y[c] = (y[c] + s.segment_max[c]) * ov[c] + m;
  }
  for (int64_t c = 0; c < D; ++c) s.recent_local[(t % ring) * D + c] = lv[c];
  ++s.seen;
  return Tensor::from_vector(y, {1, 1, D}).to(x.device());
}

std::shared_ptr<TokenMixer> make_ponet_causal_mixer(const MixerOptions& options) {
  return std::make_shared<PoNetCausalMixer>(options);
}

}  // namespace ponet::nn
