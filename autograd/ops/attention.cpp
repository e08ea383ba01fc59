// Fused multi-head softmax attention (contract in autograd/ops.h, kernels in kernels/{cpu,cuda}/attention).
// Saved for backward: P [B, H, L, L] (pre-dropout), q, k, v and the dropout seed; the mask is recomputed.
#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"
#include "kernels/cpu/attention.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/attention.cuh"
#endif

namespace ponet {

namespace {

// key_valid (already shaped [B, L] int64): 0/1 values, every row with at least one real key.
void check_key_values(const Tensor& key_valid, const char* op) {
  const int64_t B = key_valid.size(0), L = key_valid.size(1);
  const std::vector<int64_t> mask = key_valid.to_vector_i64();
  for (int64_t b = 0; b < B; ++b) {
    int64_t real = 0;
    for (int64_t l = 0; l < L; ++l) {
      const int64_t m = mask[b * L + l];
      PONET_CHECK(m == 0 || m == 1, op, ": key_valid ", key_valid.shape_str(), " must hold 0 or 1, got ", m, " at [", b,
                  ", ", l, "]");
      real += m;
    }
    PONET_CHECK(real > 0, op, ": row ", b, " of key_valid ", key_valid.shape_str(),
                " has no real key (softmax over no keys is undefined)");
  }
}

// Forward reads q, k, v (and key_valid), writes out and P; FLOPs: Q K^T and P' V (2 L^2 d each per
// head) plus 5 per score (scale, max, exp, sum, divide). Backward reads dOut, P, q, k, v and writes
// dq, dk, dv; FLOPs: four L^2 d GEMMs plus 4 per score for dS.
profiler::Cost attention_cost(const cpu::AttentionDims& d, bool backward, bool has_valid) {
  const int64_t x = d.B * d.L * d.H * d.d, scores = d.B * d.H * d.L * d.L;
  if (backward) return profiler::cost(profiler::kF32 * (4 * x + scores + 3 * x), 4 * 2 * scores * d.d + 4 * scores);
  return profiler::cost(profiler::kF32 * (3 * x + x + scores) + (has_valid ? profiler::kI64 * d.B * d.L : 0),
                        2 * 2 * scores * d.d + 5 * scores);
}

}  // namespace

Tensor attention(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, const Tensor& key_valid_in,
                 int64_t num_heads, float dropout_p, bool training, Rng& rng, bool key_valid_checked,
                 const DropoutRows& rows) {
  const char* op = "attention";
  check_dtype(q_in, DType::F32, op, "q");
  check_dim(q_in, 3, op, "q");
  for (auto [t, name] : {std::pair{&k_in, "k"}, {&v_in, "v"}}) {
    check_dtype(*t, DType::F32, op, name);
    check_shape(*t, q_in.shape(), op, name);
    check_same_device(*t, q_in, op);
  }
  const int64_t B = q_in.size(0), L = q_in.size(1), D = q_in.size(2);
  PONET_CHECK(L > 0 && D > 0, op, ": q ", q_in.shape_str(), " needs a non-empty length and hidden size");
  PONET_CHECK(num_heads > 0 && D % num_heads == 0, op, ": hidden size ", D, " of q ", q_in.shape_str(),
              " is not a multiple of num_heads ", num_heads);
  PONET_CHECK(dropout_p >= 0.f && dropout_p < 1.f, op, ": dropout_p must be in [0, 1), got ", dropout_p);
  if (key_valid_in.defined()) {
    check_dtype(key_valid_in, DType::I64, op, "key_valid");
    check_shape(key_valid_in, {B, L}, op, "key_valid");
    check_same_device(key_valid_in, q_in, op);
    if (!key_valid_checked) check_key_values(key_valid_in, op);
  }

  // Like dropout(): a seed is drawn only when dropout is active, so eval calls leave the Rng untouched.
  const float p = training ? dropout_p : 0.f;
  // P is [B, H, L, L]: a data-parallel rank's B rows are rows of the global batch's P (autograd/dropout_rows.h)
  const uint64_t seed = p > 0.f ? dropout_seed_for_rows(rng.next_u64(), rows, B, num_heads * L * L, op) : 0;
  const cpu::AttentionDims dims{B, L, num_heads, D / num_heads};
  const Device dev = q_in.device();
  Tensor q = contiguous(q_in.detach()), k = contiguous(k_in.detach()), v = contiguous(v_in.detach());
  Tensor valid = key_valid_in.defined() ? contiguous(key_valid_in.detach()) : Tensor();
  const int64_t* valid_ptr = valid.defined() ? valid.data<int64_t>() : nullptr;
  Tensor prob = Tensor::empty({B, num_heads, L, L}, DType::F32, dev);
  Tensor out = Tensor::empty(q.shape(), DType::F32, dev);
  PONET_KERNEL(dev, "attention_forward", attention_cost(dims, false, valid_ptr != nullptr),
               cpu::attention_forward(out.data<float>(), prob.data<float>(), q.data<float>(), k.data<float>(),
                                      v.data<float>(), valid_ptr, dims, p, seed),
               {
                 // P' needs an L x L buffer per head of one batch row, only while the forward runs.
                 Tensor work =
                     p > 0.f ? Tensor::empty({cuda::attention_workspace_floats(dims)}, DType::F32, dev) : Tensor();
                 cuda::attention_forward(out.data<float>(), prob.data<float>(), q.data<float>(), k.data<float>(),
                                         v.data<float>(), valid_ptr, dims, p, seed,
                                         work.defined() ? work.data<float>() : nullptr);
               });

  return autograd::record(op, out, {q_in, k_in, v_in}, [prob, q, k, v, dims, p, seed](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    const Device dev = g.device();
    Tensor dq = Tensor::empty(q.shape(), DType::F32, dev), dk = Tensor::empty(q.shape(), DType::F32, dev);
    Tensor dv = Tensor::empty(q.shape(), DType::F32, dev);
    PONET_KERNEL(
        dev, "attention_backward", attention_cost(dims, true, false),
        cpu::attention_backward(dq.data<float>(), dk.data<float>(), dv.data<float>(), g.data<float>(),
                                prob.data<float>(), q.data<float>(), k.data<float>(), v.data<float>(), dims, p, seed),
        {
          Tensor work = Tensor::empty({cuda::attention_workspace_floats(dims)}, DType::F32, dev);
          cuda::attention_backward(dq.data<float>(), dk.data<float>(), dv.data<float>(), g.data<float>(),
                                   prob.data<float>(), q.data<float>(), k.data<float>(), v.data<float>(), dims, p, seed,
                                   work.data<float>());
        });
    return std::vector<Tensor>{dq, dk, dv};
  });
}

}  // namespace ponet
