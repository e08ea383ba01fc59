#include "nn/mixers/softmax_causal.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace ponet::nn {

namespace {

constexpr float kMasked = -10000.f;  // as the padded keys: exp(-10000 + ...) is exactly 0 in float32

// [L, L]: 0 where key m <= query t, -10000 after it.
Tensor causal_bias(int64_t L, Device device) {
  std::vector<float> v(static_cast<size_t>(L * L), 0.f);
  for (int64_t t = 0; t < L; ++t)
    for (int64_t m = t + 1; m < L; ++m) v[t * L + m] = kMasked;
  return Tensor::from_vector(v, {L, L}).to(device);
}

struct KeyValueCache : DecodeState {
  std::vector<float> keys, values;  // [t, h * d] each, one row per position seen
  int64_t bytes() const override { return static_cast<int64_t>((keys.size() + values.size()) * sizeof(float)); }
};

}  // namespace

SoftmaxCausalAttention::SoftmaxCausalAttention(const MixerOptions& m)
    : SoftmaxAttention(m), num_heads_(m.num_heads), head_dim_(m.head_dim), dropout_p_(m.attention_dropout),
      rng_(m.dropout_rng) {}

Tensor SoftmaxCausalAttention::forward(const Tensor& x, const BatchContext& ctx) const {
  const Precision p = ctx.precision;
  Tensor qx = q->forward(x, p), kx = k->forward(x, p), vx = v->forward(x, p);
  const int64_t B = x.size(0), L = x.size(1), h = num_heads_, d = head_dim_;
  auto heads = [&](const Tensor& t) { return t.reshape({B, L, h, d}).permute({0, 2, 1, 3}); };  // [B, h, L, d]
  Tensor scores = scale(matmul(heads(qx), heads(kx).transpose(2, 3), p), 1.f / std::sqrt(static_cast<float>(d)));
  scores = add(add(scores, ctx.key_bias.reshape({B, 1, 1, L})), causal_bias(L, x.device()));  // [B, h, L, L]
  Tensor prob = softmax(scores);
  if (training() && dropout_p_ > 0.f) prob = dropout(prob, dropout_p_, true, *rng_, ctx.dropout_rows);
  return matmul(prob, heads(vx), p).permute({0, 2, 1, 3}).reshape({B, L, h * d});
}

std::unique_ptr<DecodeState> SoftmaxCausalAttention::start_decoding() const { return std::make_unique<KeyValueCache>(); }

Tensor SoftmaxCausalAttention::decode_step(const Tensor& x, DecodeState& state) const {
  auto& cache = dynamic_cast<KeyValueCache&>(state);
  const int64_t h = num_heads_, d = head_dim_, inner = h * d;
  PONET_CHECK(x.dim() == 3 && x.size(0) == 1 && x.size(1) == 1, "causal softmax attention: decode_step takes one position [1, 1, D], got ",
              x.shape_str());
  const Precision fp32 = Precision::fp32;  // generation runs in fp32 (docs/generation.md)
  const std::vector<float> qv = q->forward(x, fp32).to_vector(), kv = k->forward(x, fp32).to_vector(),
                           vv = v->forward(x, fp32).to_vector();
  cache.keys.insert(cache.keys.end(), kv.begin(), kv.end());
  cache.values.insert(cache.values.end(), vv.begin(), vv.end());
  const int64_t n = static_cast<int64_t>(cache.keys.size()) / inner;  // positions 0..t
  const float inv_sqrt_d = 1.f / std::sqrt(static_cast<float>(d));
  std::vector<float> y(static_cast<size_t>(inner), 0.f), p(static_cast<size_t>(n));
  for (int64_t hh = 0; hh < h; ++hh) {
    float top = -INFINITY;
    for (int64_t m = 0; m < n; ++m) {
      float s = 0.f;
      for (int64_t j = 0; j < d; ++j) s += qv[hh * d + j] * cache.keys[m * inner + hh * d + j];
      p[m] = s * inv_sqrt_d;
      top = std::max(top, p[m]);
    }
    float total = 0.f;
    for (int64_t m = 0; m < n; ++m) total += (p[m] = std::exp(p[m] - top));
    for (int64_t m = 0; m < n; ++m) {
      const float w = p[m] / total;
      for (int64_t j = 0; j < d; ++j) y[hh * d + j] += w * cache.values[m * inner + hh * d + j];
    }
  }
  return Tensor::from_vector(y, {1, 1, inner}).to(x.device());
}

std::shared_ptr<TokenMixer> make_softmax_causal_attention(const MixerOptions& options) {
  return std::make_shared<SoftmaxCausalAttention>(options);
}

}  // namespace ponet::nn
