// fourier_mix(x [..., L, D]) = Re(FFT_L(FFT_D(x))), FNet's parameter-free token mixing. The map is
// linear and self-adjoint (y = C_L x C_D - S_L x S_D with symmetric C, S), so backward applies the
// same kernel to the gradient and nothing is saved.
#include "kernels/cpu/fourier_mix.h"

#include <cmath>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/fourier_mix.cuh"
#endif

namespace ponet {

namespace {

// The transform of a contiguous [batch, L, D] float32 tensor, into a new tensor of the same shape.
Tensor transform(const Tensor& xc, int64_t batch, int64_t L, int64_t D) {
  Tensor out = Tensor::empty(xc.shape(), DType::F32, xc.device());
  // FLOPs by the usual FFT count, 5 n log2 n per complex length-n transform, for a complex FFT of every
  // row (over D) and every column (over L): 5 batch L D log2(L D), whatever real-input savings the kernel
  // makes. Backward is the same kernel (and the same row name, under the backward phase).
  PONET_KERNEL(xc.device(), "fourier_mix_forward",
               profiler::cost(
                   2 * profiler::kF32 * xc.numel(),
                   static_cast<int64_t>(5.0 * static_cast<double>(xc.numel()) * std::log2(static_cast<double>(L * D)))),
               cpu::fourier_mix_forward(out.data<float>(), xc.data<float>(), batch, L, D), {
                 Tensor workspace = Tensor::empty({cuda::fourier_mix_workspace(batch, L, D)}, DType::F32, xc.device());
                 cuda::fourier_mix_forward(out.data<float>(), xc.data<float>(), workspace.data<float>(), batch, L, D);
               });
  return out;
}

}  // namespace

Tensor fourier_mix(const Tensor& x) {
  check_dtype(x, DType::F32, "fourier_mix", "x");
  PONET_CHECK(x.dim() >= 2, "fourier_mix: x must be [..., L, D] (at least 2 dims), got ", x.describe());
  PONET_CHECK(x.numel() > 0, "fourier_mix: x must be non-empty, got ", x.shape_str());
  const int64_t L = x.size(-2), D = x.size(-1), batch = x.numel() / (L * D);
  Tensor out = transform(contiguous(x.detach()), batch, L, D);
  return autograd::record("fourier_mix", out, {x}, [batch, L, D](const Tensor& g) {
    return std::vector<Tensor>{transform(contiguous(g), batch, L, D)};
  });
}

}  // namespace ponet
