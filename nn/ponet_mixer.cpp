#include "nn/ponet_mixer.h"

#include <cmath>

#include "core/error.h"

namespace ponet::nn {

namespace {

constexpr float kNegFill = -10000.f;  // large finite negative, as in the official model

// [B, L] int64 -> [B, L, 1] int64 so it broadcasts over channels.
Tensor per_row(const Tensor& mask) { return mask.reshape({mask.size(0), mask.size(1), 1}); }

// 1 - valid, as an int64 [B, L] tensor on the same device.
Tensor invert_mask(const Tensor& valid) {
  std::vector<int64_t> v = valid.to_vector_i64();
  for (int64_t& x : v) x = x ? 0 : 1;
  return Tensor::from_vector_i64(v, valid.shape(), valid.device());
}

// Additive softmax mask [B, 1, L]: -10000 on padded keys, 0 on real ones.
Tensor score_bias(const Tensor& valid) {
  std::vector<int64_t> v = valid.to_vector_i64();
  std::vector<float> bias(v.size());
  for (size_t i = 0; i < v.size(); ++i) bias[i] = v[i] ? 0.f : kNegFill;
  return Tensor::from_vector(bias, {valid.size(0), 1, valid.size(1)}, valid.device());
}

}  // namespace

Tensor ponet_mixer_composed(const Tensor& q, const Tensor& k, const Tensor& o, const Tensor& local,
                            const Tensor& segment, const Tensor& valid, const Tensor& segment_ids,
                            const Tensor& special, int64_t num_heads, MixerTrace* trace) {
  check_dim(q, 3, "ponet_mixer_composed", "q");
  const int64_t B = q.size(0), L = q.size(1), D = q.size(2);
  PONET_CHECK(num_heads > 0 && D % num_heads == 0, "ponet_mixer_composed: D ", D,
              " is not a multiple of num_heads ", num_heads);
  const int64_t h = num_heads, d = D / h;
  Tensor pad = per_row(invert_mask(valid));

  // GA: one query per head = mean of Q over real tokens; scores against every key; masked softmax;
  // the weighted sum of the KEYS is the value (PoNet has no separate V projection).
  Tensor g = masked_mean(q, valid).reshape({B, h, d, 1});
  Tensor kh = k.reshape({B, L, h, d}).permute({0, 2, 1, 3});                       // [B, h, L, d]
  Tensor scores = scale(matmul(kh, g).reshape({B, h, L}), 1.f / std::sqrt(static_cast<float>(d)));
  Tensor prob = softmax(add(scores, score_bias(valid)));                            // [B, h, L]
  Tensor value = matmul(prob.reshape({B, h, 1, L}), kh).reshape({B, h, d});        // [B, h, d]
  Tensor ga = value.reshape({B, 1, D});

  // SMP and LMP: padding never wins a max; under the special-token rule CLS/SEP are kept out of
  // the local windows and their pooled features are zeroed afterwards.
  Tensor smp = segment_max(masked_fill(segment, pad, kNegFill), segment_ids);
  Tensor local_src = masked_fill(local, pad, kNegFill);
  if (special.defined()) local_src = masked_fill(local_src, per_row(special), kNegFill);
  Tensor lmp = max_pool1d(local_src);
  if (special.defined()) {
    smp = masked_fill(smp, per_row(special), 0.f);
    lmp = masked_fill(lmp, per_row(special), 0.f);
  }

  // PF: (GA + SMP) * O + LMP, padded rows zeroed.
  Tensor out = masked_fill(add(mul(add(ga, smp), o), lmp), pad, 0.f);
  if (trace) *trace = {prob, value, smp, lmp, out};
  return out;
}

PoNetMixer::PoNetMixer(const PoNetConfig& c, const Init& init) : num_heads_(c.num_attention_heads) {
  const int64_t D = c.hidden_size;
  // registration order = the official module's attribute order (state-dict order)
  dense_local = register_module("dense_local", std::make_shared<Linear>(D, D, init));
  dense_segment = register_module("dense_segment", std::make_shared<Linear>(D, D, init));
  dense_q = register_module("dense_q", std::make_shared<Linear>(D, D, init));
  dense_k = register_module("dense_k", std::make_shared<Linear>(D, D, init));
  dense_o = register_module("dense_o", std::make_shared<Linear>(D, D, init));
}

Tensor PoNetMixer::forward(const Tensor& x, const MixerContext& ctx) const {
  Tensor q = dense_q->forward(x), k = dense_k->forward(x), o = dense_o->forward(x);
  Tensor lc = dense_local->forward(x), s = dense_segment->forward(x);
  if (ctx.fused && !ctx.trace)
    return ponet_mixer(q, k, o, lc, s, ctx.valid, ctx.segment_ids, ctx.special, num_heads_);
  return ponet_mixer_composed(q, k, o, lc, s, ctx.valid, ctx.segment_ids, ctx.special, num_heads_, ctx.trace);
}

}  // namespace ponet::nn
