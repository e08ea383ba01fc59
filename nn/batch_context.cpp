#include "nn/batch_context.h"

#include <vector>

namespace ponet::nn {

namespace {
constexpr float kNegFill = -10000.f;  // the official model's "never wins / never attended" value
}

BatchContext make_batch_context(const Tensor& valid, const Tensor& segment_ids, const Tensor& special, Device device) {
  BatchContext ctx;
  ctx.B = valid.size(0);
  ctx.L = valid.size(1);
  const std::vector<int64_t> v = valid.to_vector_i64();
  std::vector<int64_t> pad(v.size());
  std::vector<float> bias(v.size()), rows(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    pad[i] = v[i] ? 0 : 1;
    bias[i] = v[i] ? 0.f : kNegFill;
    rows[i] = v[i] ? 1.f : 0.f;
  }
  ctx.valid = valid.to(device);
  ctx.valid_rows = Tensor::from_vector(rows, {ctx.B, ctx.L, 1}, device);
  ctx.pad_rows = Tensor::from_vector_i64(pad, {ctx.B, ctx.L, 1}, device);
  ctx.key_bias = Tensor::from_vector(bias, {ctx.B, 1, ctx.L}, device);
  if (special.defined()) ctx.special = special.to(device);
  if (segment_ids.defined()) {
    ctx.segment_ids = segment_ids.to(device);
    ctx.ponet = make_ponet_mixer_batch(valid, segment_ids, special, device);
  }
  return ctx;
}

}  // namespace ponet::nn
