// softmax and log_softmax over the last dim; both save only their output for backward.
#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"
#include "kernels/cpu/softmax.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/softmax.cuh"
#endif

namespace ponet {

namespace {

template <bool log_form>
Tensor softmax_impl(const Tensor& x_in, const char* name) {
  check_dtype(x_in, DType::F32, name, "x");
  PONET_CHECK(x_in.dim() >= 1 && x_in.size(-1) > 0, name, ": needs a non-empty last dim, got ", x_in.shape_str());
  Tensor x = contiguous(x_in.detach());
  const int64_t cols = x.size(-1), rows = x.numel() / cols;
  Tensor out = Tensor::empty(x.shape(), DType::F32, x.device());
  // 4 FLOPs per element: subtract the max, exp, sum, divide (log_softmax: subtract the log-sum).
  PONET_KERNEL(x.device(), log_form ? "log_softmax_forward" : "softmax_forward",
               profiler::elementwise_cost(rows * cols, 1, 1, 4),
               log_form ? cpu::log_softmax_forward(out.data<float>(), x.data<float>(), rows, cols)
                        : cpu::softmax_forward(out.data<float>(), x.data<float>(), rows, cols),
               log_form ? cuda::log_softmax_forward(out.data<float>(), x.data<float>(), rows, cols)
                        : cuda::softmax_forward(out.data<float>(), x.data<float>(), rows, cols));
  Tensor y = out.detach();
  return autograd::record(name, out, {x_in}, [y, rows, cols](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    Tensor dx = Tensor::empty(y.shape(), DType::F32, g.device());
    // Reads y and dy, writes dx; 4 FLOPs per element: the row dot (2), subtract, multiply.
    PONET_KERNEL(g.device(), log_form ? "log_softmax_backward" : "softmax_backward",
                 profiler::elementwise_cost(rows * cols, 2, 1, 4),
                 log_form ? cpu::log_softmax_backward(dx.data<float>(), y.data<float>(), g.data<float>(), rows, cols)
                          : cpu::softmax_backward(dx.data<float>(), y.data<float>(), g.data<float>(), rows, cols),
                 log_form ? cuda::log_softmax_backward(dx.data<float>(), y.data<float>(), g.data<float>(), rows, cols)
                          : cuda::softmax_backward(dx.data<float>(), y.data<float>(), g.data<float>(), rows, cols));
    return std::vector<Tensor>{dx};
  });
}

}  // namespace

Tensor softmax(const Tensor& x) { return softmax_impl<false>(x, "softmax"); }
Tensor log_softmax(const Tensor& x) { return softmax_impl<true>(x, "log_softmax"); }

}  // namespace ponet
