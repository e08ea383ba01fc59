// Mean over the real positions of each row (GA's global query).
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/ops/pooling_checks.h"
#include "core/dispatch.h"
#include "kernels/cpu/masked_mean.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/masked_mean.cuh"
#endif

namespace ponet {

Tensor masked_mean(const Tensor& x_in, const Tensor& mask_in) {
  detail::check_blc(x_in, "masked_mean", "x");
  detail::check_row_ids(mask_in, x_in, "masked_mean", "mask");
  const int64_t B = x_in.size(0), L = x_in.size(1), C = x_in.size(2);
  Tensor mask = contiguous(mask_in.detach());
  detail::check_rows_have_real(mask.to_vector_i64(), B, L, "masked_mean");
  Tensor x = contiguous(x_in.detach());
  Tensor out = Tensor::empty({B, C}, DType::F32, x.device());
  // Reads x and the mask, writes [B, C]; 1 FLOP (add) per element of x.
  PONET_KERNEL(x.device(), "masked_mean_forward",
               profiler::cost(profiler::kF32 * (B * L * C + B * C) + profiler::kI64 * B * L, B * L * C),
               cpu::masked_mean_forward(out.data<float>(), x.data<float>(), mask.data<int64_t>(), B, L, C),
               cuda::masked_mean_forward(out.data<float>(), x.data<float>(), mask.data<int64_t>(), B, L, C));
  return autograd::record("masked_mean", out, {x_in}, [mask, B, L, C](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    Tensor dx = Tensor::empty({B, L, C}, DType::F32, g.device());
    // Reads [B, C] and the mask, writes dx; 1 FLOP (scale) per element of dx.
    PONET_KERNEL(g.device(), "masked_mean_backward",
                 profiler::cost(profiler::kF32 * (B * C + B * L * C) + profiler::kI64 * B * L, B * L * C),
                 cpu::masked_mean_backward(dx.data<float>(), g.data<float>(), mask.data<int64_t>(), B, L, C),
                 cuda::masked_mean_backward(dx.data<float>(), g.data<float>(), mask.data<int64_t>(), B, L, C));
    return std::vector<Tensor>{dx};
  });
}

}  // namespace ponet
