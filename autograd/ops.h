// Every differentiable op of ponet.cpp, in one list. Each op `foo` has:
//   autograd/ops/foo.cpp   this function: checks, dispatch to the device kernel, backward closure
//                          (the activations share autograd/ops/activations.cpp, kernels/cpu/activations.cpp,
//                          kernels/cuda/activations.cu: one line each in kernels/activation_formulas.h)
//   kernels/cpu/foo.{h,cpp} the CPU kernels (forward and backward, plus a naive reference where the
//                           fast one is not obviously right)
//   kernels/cuda/foo.{cuh,cu} the CUDA kernels (same contract as the CPU ones)
//   tests/test_foo.cpp     op-specific checks and error cases
//   tests/ops_table/       its rows: naive reference, gradcheck, CUDA vs CPU, timing (`build/test_ops`)
//
// Conventions: float32 in and out unless stated; int64 for ids, labels, masks (0/1) and segment ids.
// Inputs may be any layout (ops make them contiguous); outputs are new contiguous tensors, except the
// view ops, which share storage. All inputs of an op must be on the same device.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "autograd/dropout_rows.h"
#include "core/precision.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "kernels/ponet_branches.h"

namespace ponet {

// ---- views and copies (autograd/ops/view.cpp) ---------------------------------------------------
Tensor reshape(const Tensor& x, const Shape& shape);  // view when x is contiguous, else copies
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1);
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end);
Tensor contiguous(const Tensor& x);  // transpose_copy kernel for 2-D transposes, strided copy otherwise
Tensor to_device(const Tensor& x, Device device);

// ---- elementwise with broadcasting (autograd/ops/binary.cpp, kernels/cpu/binary.cpp) ------------
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& x, float factor);     // x * factor  (autograd/ops/scale.cpp)
Tensor add_scalar(const Tensor& x, float value);  // x + value   (autograd/ops/scale.cpp)
// Sums `grad` over broadcast dims so it has `shape` (used by every broadcasting backward).
Tensor sum_to_shape(const Tensor& grad, const Shape& shape);

// ---- reductions (autograd/ops/reduce.cpp, kernels/cpu/reduce.cpp) -------------------------------
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor sum_all(const Tensor& x);  // shape []
Tensor mean_all(const Tensor& x);

// ---- activations (autograd/ops/activations.cpp, formulas in kernels/activation_formulas.h) ------
Tensor gelu(const Tensor& x);  // exact: 0.5 x (1 + erf(x / sqrt 2))
Tensor tanh(const Tensor& x);
Tensor relu(const Tensor& x);

// ---- storage conversion (autograd/ops/convert_dtype.cpp) ------------------------------------------
// x as `to`: float32 <-> bfloat16 (round to nearest even, NaN kept; core/bfloat16.h), or x itself
// detached when it already is `to`. Not differentiable (the result is outside the graph); other pairs throw.
Tensor convert_dtype(const Tensor& x, DType to);

// ---- matrix products (autograd/ops/matmul.cpp, kernels/cpu/gemm.cpp) ----------------------------
// a [..., M, K] @ b [..., K, N]; batch dims must match, or b may be 2-D (shared by every batch).
// precision (core/precision.h): bf16 rounds the GEMM inputs of the forward and of this node's backward
// to bfloat16 and accumulates in fp32 (kernels/cpu/gemm_bf16.h); tensors stay fp32 either way.
Tensor matmul(const Tensor& a, const Tensor& b, Precision precision = Precision::fp32);
// x [..., in] W^T + bias; weight [out, in] (PyTorch layout), bias [out] or undefined. precision as matmul's.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, Precision precision = Precision::fp32);

// ---- normalisation and probabilities ------------------------------------------------------------
Tensor softmax(const Tensor& x);      // over the last dim
Tensor log_softmax(const Tensor& x);  // over the last dim
// LayerNorm over the last dim: (x - mean) / sqrt(var + eps) * weight + bias, biased variance.
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps);

// ---- embeddings and losses ----------------------------------------------------------------------
// weight [V, D], ids int64 of any shape -> [..., D]. Ids out of [0, V) throw. The row `padding_idx`
// (if >= 0) receives no gradient from the lookup. Backward is a scatter-add into a dense [V, D].
Tensor embedding(const Tensor& weight, const Tensor& ids, int64_t padding_idx = -1);
// logits [N, C], targets int64 [N]; mean over targets != ignore_index. Targets out of [0, C) (other
// than ignore_index) throw. With no scored target the loss is NaN (as in PyTorch). Targets live on the
// logits' device or, for CUDA logits, on the host: host targets are checked there and uploaded without
// a device sync, where CUDA targets are copied back to be checked (a sync).
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index = -100);

// ---- masking and regularisation -----------------------------------------------------------------
// Inverted dropout: in training keeps each element with prob 1-p and scales it by 1/(1-p). `rows`: which
// rows of the global batch x holds (autograd/dropout_rows.h; the default: all of it).
Tensor dropout(const Tensor& x, float p, bool training, Rng& rng, const DropoutRows& rows = {});
// layer_norm(dropout(x, p, training, rng, rows) + residual, weight, bias, eps) in one kernel (kernels/cpu/
// dropout_add_layer_norm.h): the same values, and the same dropout draw from rng, as the composition.
Tensor dropout_add_layer_norm(const Tensor& x, const Tensor& residual, const Tensor& weight, const Tensor& bias,
                              float p, bool training, Rng& rng, float eps, const DropoutRows& rows = {});
// out = mask != 0 ? value : x; mask int64 broadcastable to x. Filled elements get no gradient.
Tensor masked_fill(const Tensor& x, const Tensor& mask, float value);

// ---- PoNet pooling primitives -------------------------------------------------------------------
// x [B, L, C]: out[b,l,c] = max over m in {l-1, l, l+1} ∩ [0, L) of x[b,m,c] (window 3, stride 1,
// same padding; outside positions take no part). Ties: the lowest position wins the gradient.
Tensor max_pool1d(const Tensor& x);
// x [B, L, C], segment_ids int64 [B, L] >= 0: out[b,l,c] = max over m with ids[b,m] == ids[b,l] of
// x[b,m,c]. Backward routes each output's gradient to its segment's winner (lowest position on ties).
Tensor segment_max(const Tensor& x, const Tensor& segment_ids);
// x [B, L, C]: the causal max out[b,t,c] = max of x[b,m,c] over m in [start(t), t] (autograd/ops/prefix_max.cpp,
// kernels/cpu/prefix_max.h): start(t) is the first position of t's segment of segment_length positions
// (0: one segment) and at least t - window + 1 (window 0: no window). Ties: the lowest position wins.
Tensor prefix_max(const Tensor& x, int64_t segment_length, int64_t window);
// x [B, L, C], mask int64 [B, L] (1 = real): out[b,c] = sum_{mask} x[b,l,c] / count. A row without
// any real position throws.
Tensor masked_mean(const Tensor& x, const Tensor& mask);

// ---- softmax attention (autograd/ops/attention.cpp, kernels/cpu/attention.cpp) -----------------
// Multi-head scaled dot-product self-attention, the Transformer baseline of the PoNet paper, fused:
//   q, k, v [B, L, H*d], head h owning channels h*d .. h*d+d-1 (BERT's split); out the same, heads joined.
//   key_valid int64 [B, L] (1 = real key, 0 = padded) or undefined (all real); a row without a real
//   key throws. Per (b, h): P = softmax(Q_h K_h^T / sqrt(d)) over the real keys (padded keys weigh
//   exactly 0; padded queries are computed like any row); in training with dropout_p > 0 P is
//   dropped out (inverted, counter-hash mask from one rng.next_u64() seed, drawn only then; `rows` as for
//   dropout: the rows of the global batch q holds); out_h = P V_h.
// Saves P [B, H, L, L], q, k, v and the seed for backward: one score matrix, the mask is recomputed.
// key_valid_checked: the caller vouches that key_valid holds 0/1 with a real key in every row (a model's
// BatchContext, built once per batch from checked host inputs), so the op skips the check, which copies
// the mask to the host: on CUDA a device sync per layer otherwise.
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_valid, int64_t num_heads,
                 float dropout_p, bool training, Rng& rng, bool key_valid_checked = false,
                 const DropoutRows& rows = {});

// ---- fused PoNet token mixer (autograd/ops/ponet_mixer.cpp, kernels/cpu/ponet_mixer.cpp) --------
// One forward and one backward kernel for everything between the five projections and the mixer
// output: GA (masked mean of q, scores with k, masked softmax, values = k), SMP, LMP, the special-token
// rule and PF, with padded rows zeroed. Same semantics as the composed version in nn/mixers/ponet.cpp.
//   q, k, o, local, segment: [B, L, D]; valid: int64 [B, L] (1 = real token);
//   segment_ids: int64 [B, L] >= 0; special: int64 [B, L] (1 = CLS/SEP) or undefined (rule off).
//   branches: which of GA, SMP, LMP PF sums (kernels/ponet_branches.h; all by default); none is an error.
Tensor ponet_mixer(const Tensor& q, const Tensor& k, const Tensor& o, const Tensor& local,
                   const Tensor& segment, const Tensor& valid, const Tensor& segment_ids,
                   const Tensor& special, int64_t num_heads, const PoNetBranches& branches = {});
// The same with the per-batch part prepared once (see autograd/ops/ponet_mixer_batch.h): a model builds
// it once per forward and hands it to every layer, so no layer re-checks masks or re-uploads segments.
// valid, segment_ids, special: as above, on any device; the batch lives on `device`.
struct PoNetMixerBatch;
std::shared_ptr<const PoNetMixerBatch> make_ponet_mixer_batch(const Tensor& valid, const Tensor& segment_ids,
                                                              const Tensor& special, Device device);
Tensor ponet_mixer(const Tensor& q, const Tensor& k, const Tensor& o, const Tensor& local,
                   const Tensor& segment, const PoNetMixerBatch& batch, int64_t num_heads,
                   const PoNetBranches& branches = {});

// ---- FNet token mixing (autograd/ops/fourier_mix.cpp, kernels/cpu/{fourier_mix,fft}.cpp) --------
// x float32 [..., L, D] (at least 2 dims, non-empty; leading dims are batch) -> Re(FFT_L(FFT_D(x))), the
// same shape: the DFT over the last (hidden) dim, then over the sequence dim, real part (exactly
// torch.fft.fft(torch.fft.fft(x, dim=-1), dim=-2).real). No parameters, no scaling. Linear and
// self-adjoint, so backward is the same transform of the gradient; nothing is saved. Any L and D
// (powers of two use radix-2, other lengths Bluestein; cuFFT on CUDA).
Tensor fourier_mix(const Tensor& x);

}  // namespace ponet
