#include "nn/mixers/softmax_attention.h"

#include <cmath>

#include "core/error.h"

namespace ponet::nn {

SoftmaxAttention::SoftmaxAttention(const MixerOptions& m)
    : num_heads_(m.num_heads), head_dim_(m.head_dim), dropout_p_(m.attention_dropout), rng_(m.dropout_rng) {
  PONET_CHECK(m.num_heads > 0 && m.head_dim > 0, "softmax attention: num_heads and head_dim must be positive");
  PONET_CHECK(m.attention_dropout == 0.f || m.dropout_rng, "softmax attention: attention dropout needs an Rng");
  const int64_t inner = m.num_heads * m.head_dim;
  const bool hf = m.names == ParamNames::hf;
  q = register_module(hf ? "query" : "W_q", std::make_shared<Linear>(m.dim, inner, m.init));
  k = register_module(hf ? "key" : "W_k", std::make_shared<Linear>(m.dim, inner, m.init));
  v = register_module(hf ? "value" : "W_v", std::make_shared<Linear>(m.dim, inner, m.init));
}

Tensor SoftmaxAttention::forward(const Tensor& x, const BatchContext& ctx) const {
  Tensor qx = q->forward(x, ctx.precision), kx = k->forward(x, ctx.precision), vx = v->forward(x, ctx.precision);
  const bool drop = training() && dropout_p_ > 0.f;
  // ctx.valid was checked on the host when the BatchContext was built
  if (ctx.fused) return attention(qx, kx, vx, ctx.valid, num_heads_, dropout_p_, drop, *rng_, true, ctx.dropout_rows);

  // composed: [B, L, h*d] -> [B, h, L, d]; scores [B, h, L, L]; the key bias [B, 1, L] broadcast as
  // [B, 1, 1, L] keeps padded keys out (exp(-10000 - max) is exactly 0 in float32)
  const int64_t B = x.size(0), L = x.size(1), h = num_heads_, d = head_dim_;
  auto heads = [&](const Tensor& t) { return t.reshape({B, L, h, d}).permute({0, 2, 1, 3}); };
  Tensor scores =
      scale(matmul(heads(qx), heads(kx).transpose(2, 3), ctx.precision), 1.f / std::sqrt(static_cast<float>(d)));
  Tensor prob = softmax(add(scores, ctx.key_bias.reshape({B, 1, 1, L})));
  if (drop) prob = dropout(prob, dropout_p_, true, *rng_, ctx.dropout_rows);
  return matmul(prob, heads(vx), ctx.precision).permute({0, 2, 1, 3}).reshape({B, L, h * d});
}

std::shared_ptr<TokenMixer> make_softmax_attention(const MixerOptions& options) {
  return std::make_shared<SoftmaxAttention>(options);
}

}  // namespace ponet::nn
