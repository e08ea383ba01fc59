// matmul (batched) and linear, both on the one GEMM kernel. Transposes in backward are passed to
// GEMM as flags instead of being materialised. With Precision::bf16 the forward GEMM and the backward
// ones of the same node (dA, dB; dx, dW) run in bf16 mixed precision (kernels/cpu/gemm_bf16.h); the
// inputs, saved tensors, outputs and gradients stay fp32 (docs/precision.md).
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_bf16.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/gemm.cuh"
#endif

namespace ponet {

namespace {

// Kernel names by transposes (linear: forward nt, dx nn, dW tn) and precision, so the profile tells
// the shapes apart.
const char* gemm_kernel_name(bool ta, bool tb, Precision precision) {
  static const char* const names[2][2][2] = {{{"gemm_nn", "gemm_nt"}, {"gemm_tn", "gemm_tt"}},
                                             {{"gemm_nn_bf16", "gemm_nt_bf16"}, {"gemm_tn_bf16", "gemm_tt_bf16"}}};
  return names[precision == Precision::bf16][ta][tb];
}

// C[M,N] (+)= op(A) op(B) on the tensors' device, in `precision` (core/precision.h); all pointers
// contiguous row-major.
void run_gemm(Device dev, Precision precision, bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A,
              const float* B, float beta, float* C) {
  const int64_t lda = ta ? M : K, ldb = tb ? K : N;
  if (precision == Precision::bf16) {
    PONET_KERNEL(dev, gemm_kernel_name(ta, tb, precision), profiler::gemm_cost(M, N, K, beta != 0.f),
                 cpu::gemm_bf16(ta, tb, M, N, K, 1.f, A, lda, B, ldb, beta, C, N),
                 cuda::gemm_bf16(ta, tb, M, N, K, 1.f, A, lda, B, ldb, beta, C, N));
    return;
  }
  PONET_KERNEL(dev, gemm_kernel_name(ta, tb, precision), profiler::gemm_cost(M, N, K, beta != 0.f),
               cpu::gemm(ta, tb, M, N, K, 1.f, A, lda, B, ldb, beta, C, N),
               cuda::gemm(ta, tb, M, N, K, 1.f, A, lda, B, ldb, beta, C, N));
}

// out[b] = op(a[b]) op(b[b]) for every batch; b_shared: b has no batch dims.
void batched_gemm(Precision precision, const Tensor& out, const Tensor& a, const Tensor& b, bool ta, bool tb,
                  int64_t batches, int64_t M, int64_t N, int64_t K, bool b_shared) {
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  float* po = out.data<float>();
  for (int64_t i = 0; i < batches; ++i)
    run_gemm(a.device(), precision, ta, tb, M, N, K, pa + i * M * K, pb + (b_shared ? 0 : i * K * N), 0.f,
             po + i * M * N);
}

}  // namespace

Tensor matmul(const Tensor& a_in, const Tensor& b_in, Precision precision) {
  check_dtype(a_in, DType::F32, "matmul", "a");
  check_dtype(b_in, DType::F32, "matmul", "b");
  check_same_device(a_in, b_in, "matmul");
  PONET_CHECK(a_in.dim() >= 2 && b_in.dim() >= 2, "matmul: both operands need at least 2 dims, got a ",
              a_in.shape_str(), " and b ", b_in.shape_str());
  const int64_t M = a_in.size(-2), K = a_in.size(-1), N = b_in.size(-1);
  PONET_CHECK(b_in.size(-2) == K, "matmul: a ", a_in.shape_str(), " and b ", b_in.shape_str(), ": inner dims ", K,
              " and ", b_in.size(-2), " differ");
  const bool b_shared = b_in.dim() == 2;
  Shape batch(a_in.shape().begin(), a_in.shape().end() - 2);
  if (!b_shared) {
    Shape b_batch(b_in.shape().begin(), b_in.shape().end() - 2);
    PONET_CHECK(b_batch == batch, "matmul: batch dims of a ", a_in.shape_str(), " and b ", b_in.shape_str(),
                " differ (b may also be 2-D)");
  }
  const int64_t batches = shape_numel(batch);
  Tensor a = contiguous(a_in.detach()), b = contiguous(b_in.detach());
  Shape out_shape = batch;
  out_shape.push_back(M);
  out_shape.push_back(N);
  Tensor out = Tensor::empty(out_shape, DType::F32, a.device());
  batched_gemm(precision, out, a, b, false, false, batches, M, N, K, b_shared);

  const bool need_a = a_in.requires_grad(), need_b = b_in.requires_grad();
  Shape a_shape = a_in.shape(), b_shape = b_in.shape();
  return autograd::record("matmul", out, {a_in, b_in}, [=](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    Tensor da, db;
    if (need_a) {  // dA = dC B^T
      da = Tensor::empty(a_shape, DType::F32, g.device());
      batched_gemm(precision, da, g, b, false, true, batches, M, K, N, b_shared);
    }
    if (need_b) {  // dB = A^T dC, summed over batches when B is shared
      db = Tensor::zeros(b_shape, DType::F32, g.device());
      const float* pa = a.data<float>();
      const float* pg = g.data<float>();
      float* pd = db.data<float>();
      for (int64_t i = 0; i < batches; ++i)
        run_gemm(g.device(), precision, true, false, K, N, M, pa + i * M * K, pg + i * M * N, b_shared ? 1.f : 0.f,
                 pd + (b_shared ? 0 : i * K * N));
    }
    return std::vector<Tensor>{da, db};
  });
}

Tensor linear(const Tensor& x_in, const Tensor& weight, const Tensor& bias, Precision precision) {
  check_dtype(x_in, DType::F32, "linear", "x");
  check_dtype(weight, DType::F32, "linear", "weight");
  check_dim(weight, 2, "linear", "weight");
  check_same_device(x_in, weight, "linear");
  PONET_CHECK(x_in.dim() >= 1, "linear: x must have at least 1 dim");
  const int64_t out_f = weight.size(0), in_f = weight.size(1);
  PONET_CHECK(x_in.size(-1) == in_f, "linear: x ", x_in.shape_str(), " has ", x_in.size(-1),
              " features, weight ", weight.shape_str(), " expects ", in_f);
  if (bias.defined()) {
    check_dtype(bias, DType::F32, "linear", "bias");
    check_shape(bias, {out_f}, "linear", "bias");
    check_same_device(x_in, bias, "linear");
  }
  const int64_t rows = x_in.numel() / in_f;
  Tensor x = contiguous(x_in.detach()), w = contiguous(weight.detach());
  Shape out_shape = x_in.shape();
  out_shape.back() = out_f;
  // The bias is the GEMM's starting C (beta 1): one write pass instead of a separate add and tensor.
  Tensor out;
  if (bias.defined()) {
    const Tensor b = bias.detach();
    // With one row the broadcast view counts as contiguous, and contiguous() would hand back the bias's
    // own storage for the GEMM to accumulate into: copy it then.
    const Tensor rows_of_bias = make_view(b, {rows, out_f}, {0, b.strides()[0]}, b.offset());
    out = (rows_of_bias.is_contiguous() ? rows_of_bias.clone() : contiguous(rows_of_bias)).reshape(out_shape);
  } else {
    out = Tensor::empty(out_shape, DType::F32, x.device());
  }
  run_gemm(x.device(), precision, false, true, rows, out_f, in_f, x.data<float>(), w.data<float>(), bias.defined() ? 1.f : 0.f,
           out.data<float>());

  const bool need_x = x_in.requires_grad(), need_w = weight.requires_grad();
  const bool need_b = bias.defined() && bias.requires_grad();
  Shape x_shape = x_in.shape();
  std::vector<Tensor> inputs{x_in, weight};
  if (bias.defined()) inputs.push_back(bias);
  const size_t n_inputs = inputs.size();
  // Saves x only for dW and W only for dx.
  Tensor x_saved = need_w ? x : Tensor(), w_saved = need_x ? w : Tensor();
  return autograd::record("linear", out, inputs, [=, x = x_saved, w = w_saved](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    std::vector<Tensor> grads(n_inputs);
    if (need_x) {  // dx = g W
      grads[0] = Tensor::empty(x_shape, DType::F32, g.device());
      run_gemm(g.device(), precision, false, false, rows, in_f, out_f, g.data<float>(), w.data<float>(), 0.f,
               grads[0].data<float>());
    }
    if (need_w) {  // dW = g^T x
      grads[1] = Tensor::empty({out_f, in_f}, DType::F32, g.device());
      run_gemm(g.device(), precision, true, false, out_f, in_f, rows, g.data<float>(), x.data<float>(), 0.f,
               grads[1].data<float>());
    }
    if (need_b) grads[2] = sum(g.reshape({rows, out_f}), {0});  // a column sum in place, no transpose
    return grads;
  });
}

}  // namespace ponet
