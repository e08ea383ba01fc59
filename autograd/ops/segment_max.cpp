// Segment max-pool (SMP): every position gets the max of its segment; backward routes each segment's
// summed gradient to its winner. The segment layout is built on the host (ids are small int64 data).
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/ops/pooling_checks.h"
#include "autograd/ops/segment_layout_tensors.h"
#include "core/dispatch.h"
#include "kernels/cpu/segment_max.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/segment_max.cuh"
#endif

namespace ponet {

Tensor segment_max(const Tensor& x_in, const Tensor& segment_ids) {
  detail::check_blc(x_in, "segment_max", "x");
  detail::check_row_ids(segment_ids, x_in, "segment_max", "segment_ids");
  const int64_t C = x_in.size(2);
  auto layout = detail::make_segment_layout(segment_ids, x_in.device());
  Tensor x = contiguous(x_in.detach());
  Tensor out = Tensor::empty(x.shape(), DType::F32, x.device());
  Tensor arg = Tensor::empty(x.shape(), DType::I64, x.device());
  const int64_t n = x.numel(), rows = x.size(0) * x.size(1);
  // Reads x and the segment order, writes out and the int64 winners; comparisons only, no FLOPs.
  PONET_KERNEL(
      x.device(), "segment_max_forward",
      profiler::cost((2 * profiler::kF32 + profiler::kI64) * n + profiler::kI64 * rows, 0),
      cpu::segment_max_forward(out.data<float>(), arg.data<int64_t>(), x.data<float>(), layout->host, C),
      cuda::segment_max_forward(out.data<float>(), arg.data<int64_t>(), x.data<float>(), layout->device_view(), C));
  Shape shape = x.shape();
  return autograd::record("segment_max", out, {x_in}, [arg, layout, shape, C, n, rows](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    Tensor dx = Tensor::empty(shape, DType::F32, g.device());
    // Reads dy, the winners and the segment order, writes dx; 1 FLOP (add) per element.
    PONET_KERNEL(
        g.device(), "segment_max_backward",
        profiler::cost((2 * profiler::kF32 + profiler::kI64) * n + profiler::kI64 * rows, n),
        cpu::segment_max_backward(dx.data<float>(), g.data<float>(), arg.data<int64_t>(), layout->host, C),
        cuda::segment_max_backward(dx.data<float>(), g.data<float>(), arg.data<int64_t>(), layout->device_view(), C));
    return std::vector<Tensor>{dx};
  });
}

}  // namespace ponet
