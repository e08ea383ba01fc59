// Causal max over the length dim (the causal PoNet's SMP and LMP); saves the winners for the routing
// backward.
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/ops/pooling_checks.h"
#include "core/dispatch.h"
#include "kernels/cpu/prefix_max.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/prefix_max.cuh"
#endif

namespace ponet {

Tensor prefix_max(const Tensor& x_in, int64_t segment_length, int64_t window) {
  detail::check_blc(x_in, "prefix_max", "x");
  PONET_CHECK(segment_length >= 0 && window >= 0, "prefix_max: segment_length and window must be >= 0, got ",
              segment_length, " and ", window);
  const int64_t B = x_in.size(0), L = x_in.size(1), C = x_in.size(2);
  Tensor x = contiguous(x_in.detach());
  Tensor out = Tensor::empty(x.shape(), DType::F32, x.device());
  Tensor arg = Tensor::empty(x.shape(), DType::I64, x.device());
  // Reads x, writes out and the int64 winners; comparisons only, no FLOPs.
  PONET_KERNEL(x.device(), "prefix_max_forward", profiler::cost((2 * profiler::kF32 + profiler::kI64) * B * L * C, 0),
               cpu::prefix_max_forward(out.data<float>(), arg.data<int64_t>(), x.data<float>(), B, L, C,
                                       segment_length, window),
               cuda::prefix_max_forward(out.data<float>(), arg.data<int64_t>(), x.data<float>(), B, L, C,
                                        segment_length, window));
  return autograd::record("prefix_max", out, {x_in}, [arg, B, L, C](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    Tensor dx = Tensor::empty({B, L, C}, DType::F32, g.device());
    // Reads dy and the winners, writes dx; 1 FLOP (add) per element.
    PONET_KERNEL(g.device(), "prefix_max_backward",
                 profiler::cost((2 * profiler::kF32 + profiler::kI64) * B * L * C, B * L * C),
                 cpu::prefix_max_backward(dx.data<float>(), g.data<float>(), arg.data<int64_t>(), B, L, C),
                 cuda::prefix_max_backward(dx.data<float>(), g.data<float>(), arg.data<int64_t>(), B, L, C));
    return std::vector<Tensor>{dx};
  });
}

}  // namespace ponet
