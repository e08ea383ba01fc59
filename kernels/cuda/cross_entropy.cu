// CUDA twin of kernels/cpu/cross_entropy.cpp, its reference: cross-entropy rows, logits [rows, classes],
// one block per row. Checked against the CPU by tests/ops_table/ in device mode (rows "cross_entropy":
// build/test_ops device --filter cross_entropy) and by tests/test_cross_entropy.cpp (errors on the GPU);
// no bench of its own.
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/cross_entropy.cuh"
#include "core/cuda_check.cuh"

namespace ponet::cuda {

namespace {

constexpr int kThreads = 256;
constexpr unsigned kMaxGrid = 65535u * 16;

// One block per row: the max, then the sum of exp(x - max) in double.
__global__ void forward_kernel(float* row_loss, float* row_max, float* row_log_sum, const float* logits,
                               const int64_t* targets, long long rows, long long classes,
                               long long ignore_index) {
  for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
    const long long t = targets[r];
    if (t == ignore_index) {  // the whole block takes this branch together
      if (threadIdx.x == 0) row_loss[r] = row_max[r] = row_log_sum[r] = 0.f;
      continue;
    }
    const float* x = logits + r * classes;
    float m = -INFINITY;
    for (long long c = threadIdx.x; c < classes; c += kThreads) m = fmaxf(m, x[c]);
    m = block_reduce(m, MaxOp{}, -INFINITY);
    double s = 0.0;
    for (long long c = threadIdx.x; c < classes; c += kThreads) s += expf(x[c] - m);
    const double log_sum = log(block_reduce(s, SumOp{}, 0.0));
    if (threadIdx.x == 0) {
      row_max[r] = m;
      row_log_sum[r] = static_cast<float>(log_sum);
      row_loss[r] = static_cast<float>((static_cast<double>(m) - x[t]) + log_sum);
    }
  }
}

// One thread per logit (grid-stride).
__global__ void backward_kernel(float* dlogits, const float* grad_loss, const float* logits,
                                const float* row_max, const float* row_log_sum, const int64_t* targets,
                                long long rows, long long classes, long long ignore_index, float inv_count) {
  const float factor = grad_loss[0] * inv_count;
  const long long total = rows * classes;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
       i += (long long)gridDim.x * blockDim.x) {
    const long long r = i / classes, c = i - r * classes;
    const long long t = targets[r];
    if (t == ignore_index) {
      dlogits[i] = 0.f;
      continue;
    }
    const float p = expf((logits[i] - row_max[r]) - row_log_sum[r]);
    dlogits[i] = factor * (c == t ? p - 1.f : p);
  }
}

}  // namespace

void cross_entropy_forward(float* row_loss, float* row_max, float* row_log_sum, const float* logits,
                           const int64_t* targets, int64_t rows, int64_t classes, int64_t ignore_index) {
  if (rows == 0) return;
  const unsigned grid = static_cast<unsigned>(rows < kMaxGrid ? rows : kMaxGrid);
  forward_kernel<<<grid, kThreads>>>(row_loss, row_max, row_log_sum, logits, targets, rows, classes,
                                     ignore_index);
  PONET_CUDA_CHECK_LAUNCH();
}

void cross_entropy_backward(float* dlogits, const float* grad_loss, const float* logits, const float* row_max,
                            const float* row_log_sum, const int64_t* targets, int64_t rows, int64_t classes,
                            int64_t ignore_index, float inv_count) {
  if (rows * classes == 0) return;
  backward_kernel<<<blocks_for(rows * classes), 256>>>(dlogits, grad_loss, logits, row_max, row_log_sum,
                                                       targets, rows, classes, ignore_index, inv_count);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
