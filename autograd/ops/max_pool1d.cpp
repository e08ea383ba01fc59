// Window-3 max-pool along the length dim (LMP); saves the winners for the routing backward.
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/ops/pooling_checks.h"
#include "core/dispatch.h"
#include "kernels/cpu/max_pool1d.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/max_pool1d.cuh"
#endif

namespace ponet {

Tensor max_pool1d(const Tensor& x_in) {
  detail::check_blc(x_in, "max_pool1d", "x");
  const int64_t B = x_in.size(0), L = x_in.size(1), C = x_in.size(2);
  Tensor x = contiguous(x_in.detach());
  Tensor out = Tensor::empty(x.shape(), DType::F32, x.device());
  Tensor arg = Tensor::empty(x.shape(), DType::I64, x.device());
  // Reads x, writes out and the int64 winners; comparisons only, no FLOPs.
  PONET_KERNEL(x.device(), "max_pool1d_forward", profiler::cost((2 * profiler::kF32 + profiler::kI64) * B * L * C, 0),
               cpu::max_pool1d_forward(out.data<float>(), arg.data<int64_t>(), x.data<float>(), B, L, C),
               cuda::max_pool1d_forward(out.data<float>(), arg.data<int64_t>(), x.data<float>(), B, L, C));
  return autograd::record("max_pool1d", out, {x_in}, [arg, B, L, C](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    Tensor dx = Tensor::empty({B, L, C}, DType::F32, g.device());
    // Reads dy and the winners, writes dx; 1 FLOP (add) per element.
    PONET_KERNEL(g.device(), "max_pool1d_backward",
                 profiler::cost((2 * profiler::kF32 + profiler::kI64) * B * L * C, B * L * C),
                 cpu::max_pool1d_backward(dx.data<float>(), g.data<float>(), arg.data<int64_t>(), B, L, C),
                 cuda::max_pool1d_backward(dx.data<float>(), g.data<float>(), arg.data<int64_t>(), B, L, C));
    return std::vector<Tensor>{dx};
  });
}

}  // namespace ponet
