#include "nn/mixers/ponet.h"

#include <cmath>

#include "core/error.h"

namespace ponet::nn {

namespace {

constexpr float kNegFill = -10000.f;  // large finite negative, as in the official model

// [B, L] int64 -> [B, L, 1] int64 so it broadcasts over channels.
Tensor per_row(const Tensor& mask) { return mask.reshape({mask.size(0), mask.size(1), 1}); }

// The composed mixer given the per-batch masks: pad [B, L, 1] (1 = padded row) and the additive GA
// softmax mask key_bias [B, 1, L]. A removed branch is not computed and adds nothing to PF.
Tensor composed_with_masks(const Tensor& q, const Tensor& k, const Tensor& o, const Tensor& local,
                           const Tensor& segment, const Tensor& valid, const Tensor& pad, const Tensor& key_bias,
                           const Tensor& segment_ids, const Tensor& special, int64_t num_heads,
                           const PoNetBranches& branches, MixerTrace* trace) {
  check_dim(q, 3, "ponet_mixer_composed", "q");
  const int64_t B = q.size(0), L = q.size(1), D = q.size(2);
  PONET_CHECK(num_heads > 0 && D % num_heads == 0, "ponet_mixer_composed: D ", D,
              " is not a multiple of num_heads ", num_heads);
  PONET_CHECK(branches.any(), "ponet_mixer_composed: every branch (ga, smp, lmp) is removed; at least one must stay");
  const int64_t h = num_heads, d = D / h;
  MixerTrace t;

  // GA: one query per head = mean of Q over real tokens; scores against every key; masked softmax;
  // the weighted sum of the KEYS is the value (PoNet has no separate V projection).
  Tensor ga;
  if (branches.ga) {
    Tensor g = masked_mean(q, valid).reshape({B, h, d, 1});
    Tensor kh = k.reshape({B, L, h, d}).permute({0, 2, 1, 3});                       // [B, h, L, d]
    Tensor scores = scale(matmul(kh, g).reshape({B, h, L}), 1.f / std::sqrt(static_cast<float>(d)));
    t.ga_prob = softmax(add(scores, key_bias));                                       // [B, h, L]
    t.ga_value = matmul(t.ga_prob.reshape({B, h, 1, L}), kh).reshape({B, h, d});     // [B, h, d]
    ga = t.ga_value.reshape({B, 1, D});
  }

  // SMP and LMP: padding never wins a max; under the special-token rule CLS/SEP are kept out of
  // the local windows and their pooled features are zeroed afterwards.
  if (branches.smp) {
    t.segment_pooled = segment_max(masked_fill(segment, pad, kNegFill), segment_ids);
    if (special.defined()) t.segment_pooled = masked_fill(t.segment_pooled, per_row(special), 0.f);
  }
  if (branches.lmp) {
    Tensor local_src = masked_fill(local, pad, kNegFill);
    if (special.defined()) local_src = masked_fill(local_src, per_row(special), kNegFill);
    t.local_pooled = max_pool1d(local_src);
    if (special.defined()) t.local_pooled = masked_fill(t.local_pooled, per_row(special), 0.f);
  }

  // PF: (GA + SMP) * O + LMP over the branches kept, padded rows zeroed.
  Tensor gate = ga.defined() && t.segment_pooled.defined() ? add(ga, t.segment_pooled)
                : ga.defined()                              ? ga
                                                            : t.segment_pooled;
  Tensor fused = gate.defined() ? mul(gate, o) : Tensor();
  if (t.local_pooled.defined()) fused = fused.defined() ? add(fused, t.local_pooled) : t.local_pooled;
  t.mixer_output = masked_fill(fused, pad, 0.f);
  if (trace) *trace = t;
  return t.mixer_output;
}

}  // namespace

Tensor ponet_mixer_composed(const Tensor& q, const Tensor& k, const Tensor& o, const Tensor& local,
                            const Tensor& segment, const Tensor& valid, const Tensor& segment_ids,
                            const Tensor& special, int64_t num_heads, const PoNetBranches& branches,
                            MixerTrace* trace) {
  check_dim(valid, 2, "ponet_mixer_composed", "valid");
  const BatchContext masks = make_batch_context(valid.to(Device::cpu()), Tensor(), Tensor(), valid.device());
  return composed_with_masks(q, k, o, local, segment, valid, masks.pad_rows, masks.key_bias, segment_ids, special,
                             num_heads, branches, trace);
}

PoNetProjections add_ponet_projections(ParamNames names,
                                       const std::function<std::shared_ptr<Linear>(const char*)>& add) {
  PoNetProjections p;
  if (names == ParamNames::hf) {
    p.local = add("dense_local");
    p.segment = add("dense_segment");
    p.q = add("dense_q");
    p.k = add("dense_k");
    p.o = add("dense_o");
  } else {
    p.q = add("W_q");
    p.k = add("W_k");
    p.o = add("W_v");  // the official LRA code keeps the V name for PoNet's O projection
    p.local = add("W_local");
    p.segment = add("W_segment");
  }
  return p;
}

PoNetMixer::PoNetMixer(const MixerOptions& m) : dim_(m.dim), num_heads_(m.num_heads), branches_(m.ponet_branches) {
  PONET_CHECK(m.num_heads * m.head_dim == m.dim, "PoNet mixer: num_heads ", m.num_heads, " x head_dim ", m.head_dim,
              " must equal the model width ", m.dim);
  PONET_CHECK(branches_.any(), "PoNet mixer: every branch (ga, smp, lmp) is removed; at least one must stay");
  const int64_t D = m.dim;
  const PoNetProjections p = add_ponet_projections(
      m.names, [&](const char* name) { return register_module(name, std::make_shared<Linear>(D, D, m.init)); });
  q = p.q, k = p.k, o = p.o, local = p.local, segment = p.segment;
}

Tensor PoNetMixer::forward(const Tensor& x, const BatchContext& ctx) const {
  PONET_CHECK(ctx.ponet != nullptr, "PoNet mixer: the batch has no segment index (an LRA config needs segment_num > 0)");
  const Precision p = ctx.precision;  // the projections only: GA scores and pooling stay fp32
  Tensor qx = q->forward(x, p), kx = k->forward(x, p), ox = o->forward(x, p);
  Tensor lx = local->forward(x, p), sx = segment->forward(x, p);
  if (ctx.fused && !ctx.trace) return ponet_mixer(qx, kx, ox, lx, sx, *ctx.ponet, num_heads_, branches_);
  return composed_with_masks(qx, kx, ox, lx, sx, ctx.valid, ctx.pad_rows, ctx.key_bias, ctx.segment_ids, ctx.special,
                             num_heads_, branches_, ctx.trace);
}

std::shared_ptr<TokenMixer> make_ponet_mixer(const MixerOptions& options) { return std::make_shared<PoNetMixer>(options); }

}  // namespace ponet::nn
