// cross_entropy(logits [N, C], targets int64 [N], ignore_index): mean over the scored rows (target !=
// ignore_index) of -log_softmax(logits)[target]. Targets are checked on the host, which also gives the
// number of scored rows. CUDA logits take their targets from the host as well: checked there, then
// uploaded without waiting for the GPU. Targets already on the GPU cost a copy back, which waits for
// every queued kernel. The per-row losses are summed by the deterministic row-sum kernel of sum_all.
#include "kernels/cpu/cross_entropy.h"

#include <cmath>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/cross_entropy.cuh"
#endif

namespace ponet {

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index) {
  check_dtype(logits, DType::F32, "cross_entropy", "logits");
  check_dtype(targets, DType::I64, "cross_entropy", "targets");
  check_dim(logits, 2, "cross_entropy", "logits");
  const int64_t rows = logits.size(0), classes = logits.size(1);
  check_shape(targets, {rows}, "cross_entropy", "targets");
  if (!(logits.device().is_cuda() && targets.device().is_cpu())) check_same_device(logits, targets, "cross_entropy");

  const std::vector<int64_t> host_targets = targets.to_vector_i64();  // for CUDA targets, a device sync
  int64_t count = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t t = host_targets[r];
    if (t == ignore_index) continue;
    PONET_CHECK(t >= 0 && t < classes, "cross_entropy: target ", t, " at row ", r, " is out of range [0, ",
                classes, ") for logits ", logits.shape_str(), " (and is not ignore_index = ", ignore_index,
                ")");
    ++count;
  }

  const Device device = logits.device();
  Tensor lc = contiguous(logits.detach());
  Tensor tc = targets.device() == device ? contiguous(targets.detach())
                                         : Tensor::from_vector_i64(host_targets, {rows}, device);
  Tensor row_loss = Tensor::empty({rows}, DType::F32, device);
  Tensor row_max = Tensor::empty({rows}, DType::F32, device);
  Tensor row_log_sum = Tensor::empty({rows}, DType::F32, device);
  // Reads logits and targets, writes three per-row floats; 3 FLOPs per logit (subtract the max, exp, sum).
  PONET_KERNEL(device, "cross_entropy_forward",
               profiler::cost(profiler::kF32 * (rows * classes + 3 * rows) + profiler::kI64 * rows, 3 * rows * classes),
               cpu::cross_entropy_forward(row_loss.data<float>(), row_max.data<float>(), row_log_sum.data<float>(),
                                          lc.data<float>(), host_targets.data(), rows, classes, ignore_index),
               cuda::cross_entropy_forward(row_loss.data<float>(), row_max.data<float>(), row_log_sum.data<float>(),
                                           lc.data<float>(), tc.data<int64_t>(), rows, classes, ignore_index));
  // No scored row: the mean is 0/0, NaN as in PyTorch (the gradient below is then all zeros).
  const float inv_count = count > 0 ? 1.f / static_cast<float>(count) : 0.f;
  Tensor out = count > 0 ? scale(sum_all(row_loss), inv_count) : Tensor::full({}, NAN, device);

  return autograd::record(
      "cross_entropy", out, {logits},
      [lc, tc, row_max, row_log_sum, rows, classes, ignore_index, inv_count](const Tensor& g) {
        Tensor gc = contiguous(g);
        Tensor dlogits = Tensor::empty({rows, classes}, DType::F32, gc.device());
        // Reads the logits, the row statistics and targets, writes dlogits; 4 FLOPs per logit
        // (subtract max and log-sum, exp, scale).
        PONET_KERNEL(gc.device(), "cross_entropy_backward",
                     profiler::cost(profiler::kF32 * (2 * rows * classes + 2 * rows + 1) + profiler::kI64 * rows,
                                    4 * rows * classes),
                     cpu::cross_entropy_backward(dlogits.data<float>(), gc.data<float>(), lc.data<float>(),
                                                 row_max.data<float>(), row_log_sum.data<float>(), tc.data<int64_t>(),
                                                 rows, classes, ignore_index, inv_count),
                     cuda::cross_entropy_backward(dlogits.data<float>(), gc.data<float>(), lc.data<float>(),
                                                  row_max.data<float>(), row_log_sum.data<float>(), tc.data<int64_t>(),
                                                  rows, classes, ignore_index, inv_count));
        return std::vector<Tensor>{dlogits};
      });
}

}  // namespace ponet
