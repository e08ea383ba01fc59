// Inverted dropout (kernels/cpu/dropout.h). One seed per call comes from the model's Rng; the mask is a
// function of (seed, element index), recomputed in backward and drawn on the device on CUDA, so no mask
// tensor exists and CPU and CUDA drop the same elements for the same seed.
#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"
#include "core/error.h"
#include "kernels/cpu/dropout.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/dropout.cuh"
#endif

namespace ponet {

namespace {
Tensor apply_mask(const Tensor& x_in, float p, uint64_t seed) {
  Tensor x = contiguous(x_in.detach());
  Tensor out = Tensor::empty(x.shape(), DType::F32, x.device());
  // 1 FLOP per element (the scale); the hash that draws the mask is integer work, not counted.
  PONET_KERNEL(x.device(), "dropout_apply", profiler::elementwise_cost(x.numel(), 1, 1, 1),
               cpu::dropout_apply(out.data<float>(), x.data<float>(), x.numel(), p, seed),
               cuda::dropout_apply(out.data<float>(), x.data<float>(), x.numel(), p, seed));
  return out;
}
}  // namespace

Tensor dropout(const Tensor& x, float p, bool training, Rng& rng, const DropoutRows& rows) {
  check_dtype(x, DType::F32, "dropout", "x");
  PONET_CHECK(p >= 0.f && p < 1.f, "dropout: p must be in [0, 1), got ", p);
  if (!training || p == 0.f) return x;
  const uint64_t seed = dropout_seed_for_rows(rng.next_u64(), rows, x, "dropout");  // a rank's rows of the global mask
  return autograd::record("dropout", apply_mask(x, p, seed), {x}, [p, seed](const Tensor& g) {
    return std::vector<Tensor>{apply_mask(g, p, seed)};
  });
}

}  // namespace ponet
