// ForwardOptions: how the caller asks a model to run one forward. BatchContext: what every layer of that
// forward shares about the batch; a model builds it once per forward from the checked host-side inputs
// and its options (nn::make_batch_context), uploads it to the model's device once, and hands the same
// object to every layer and its token mixer.
#pragma once
#include <memory>
#include <vector>

#include "autograd/dropout_rows.h"
#include "autograd/ops.h"
#include "core/precision.h"
#include "nn/recompute.h"

namespace ponet::nn {

struct MixerTrace;  // nn/mixers/ponet.h

// Both families read fused_mixer, dropout_rows and precision; the rest is the PoNet family's (nn/ponet_model.h).
struct ForwardOptions {
  bool fused_mixer = true;         // fused kernel (fast) or composed ops (readable, traceable)
  bool logits_for_labels_only = false;  // MLM logits only at positions with label != -100 (training)
  Recompute recompute = Recompute::none;  // activation memory for time in backward (nn/recompute.h)
  std::vector<MixerTrace>* traces = nullptr;  // per-layer PoNet mixer intermediates (forces composed)
  DropoutRows dropout_rows;  // the rows of the global batch this forward holds (data-parallel ranks)
  Precision precision = Precision::fp32;  // of every layer's GEMMs and their backward (docs/precision.md)
};

struct BatchContext {
  int64_t B = 0, L = 0;
  Tensor valid;        // int64 [B, L], 1 = real token
  Tensor valid_rows;   // float32 [B, L, 1], 1 = real token (multiplies hidden states by the mask)
  Tensor pad_rows;     // int64 [B, L, 1], 1 = padded row (the fills of the composed PoNet mixer)
  Tensor key_bias;     // float32 [B, 1, L], 0 on real keys and -10000 on padded ones (composed GA softmax)
  Tensor segment_ids;  // int64 [B, L], the SMP segment of every token; undefined when no layer needs it
  Tensor special;      // int64 [B, L], 1 = CLS/SEP under the special-token rule; undefined when it is off
  std::shared_ptr<const PoNetMixerBatch> ponet;  // the fused PoNet kernel's view (when segment_ids is set)
  bool fused = true;             // fused kernels where a mixer has them, else composed ops
  Recompute recompute = Recompute::none;  // what each layer recomputes in backward (nn/recompute.h)
  DropoutRows dropout_rows;      // passed to every dropout of the forward (autograd/dropout_rows.h)
  Precision precision = Precision::fp32;  // passed to every Linear and attention matmul (core/precision.h)
  MixerTrace* trace = nullptr;   // per-layer debug intermediates (set by the model for each layer)
};

// valid, segment_ids (may be undefined), special (may be undefined): host int64 [B, L], already checked
// (every row has a real token, ids >= 0). Everything in the result lives on `device`.
BatchContext make_batch_context(const Tensor& valid, const Tensor& segment_ids, const Tensor& special, Device device);

}  // namespace ponet::nn
