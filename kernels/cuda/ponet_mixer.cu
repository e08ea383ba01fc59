// CUDA twin of kernels/cpu/ponet_mixer.cpp, its reference: the fused PoNet mixer on (B, L, D), H heads,
// as a few deterministic kernels (GA one block per (b, h), pools and PF one thread per element). Checked
// against the CPU by tests/ops_table/ in device mode (rows "ponet_mixer": build/test_ops device --filter
// ponet_mixer); timed by build/test_ops perf and bench/bench_ponet_step.cpp cuda.
#include <cstdint>

#include "core/allocator.h"
#include "core/cuda_check.cuh"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/ponet_mixer.cuh"

namespace ponet::cuda {

namespace {

using cpu::MixerDims;
using cpu::MixerInputs;
using cpu::MixerSaved;
constexpr float kFill = cpu::kMixerNegFill;

#define GRID_STRIDE(i, n) \
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < (n); i += (long long)gridDim.x * blockDim.x)

__device__ bool is_special(const MixerInputs& in, long long row) { return in.special && in.special[row]; }
__device__ float segment_source(const MixerInputs& in, long long row, long long idx) {
  return in.valid[row] ? in.segment[idx] : kFill;
}
__device__ float local_source(const MixerInputs& in, long long row, long long idx) {
  return in.valid[row] && !is_special(in, row) ? in.local[idx] : kFill;
}

// The window-3 LMP winner of (row b, position l, channel c), recomputed wherever it is needed.
__device__ long long local_winner(const MixerInputs& in, const MixerDims& dm, long long b, long long l, long long c) {
  const long long lo = l > 0 ? l - 1 : 0, hi = l + 1 < dm.L ? l + 1 : dm.L - 1;
  long long arg = lo;
  float best = local_source(in, b * dm.L + lo, (b * dm.L + lo) * dm.D + c);
  for (long long m = lo + 1; m <= hi; ++m) {
    const float v = local_source(in, b * dm.L + m, (b * dm.L + m) * dm.D + c);
    if (v > best) best = v, arg = m;
  }
  return arg;
}

// The SMP value position l sees (0 on CLS/SEP, and without SMP): its segment's best, saved by
// segment_pool_kernel.
__device__ float segment_pooled(const MixerInputs& in, const MixerSaved& s, const SegmentLayoutView& seg,
                                const MixerDims& dm, const PoNetBranches& br, long long b, long long l, long long c) {
  const long long row = b * dm.L + l;
  if (!br.smp || is_special(in, row)) return 0.f;
  return s.seg_best[(b * seg.K + seg.compact[row]) * dm.D + c];
}

// g[b, c] = mean of q over the real rows; one thread per (b, c), rows in order.
__global__ void ga_query_kernel(MixerInputs in, MixerSaved s, MixerDims dm) {
  GRID_STRIDE(i, dm.B * dm.D) {
    const long long b = i / dm.D, c = i % dm.D;
    double acc = 0.0;
    long long n = 0;
    for (long long l = 0; l < dm.L; ++l)
      if (in.valid[b * dm.L + l]) {
        acc += in.q[(b * dm.L + l) * dm.D + c];
        ++n;
      }
    s.query[i] = static_cast<float>(acc / n);
  }
}

// One block per (b, h): scores, masked softmax into prob, then v = sum_l p k. As on the CPU, the
// scores, their max and exp, z and v are double, and v uses the unrounded p (score holds them).
__global__ void ga_softmax_value_kernel(MixerInputs in, MixerSaved s, double* score, MixerDims dm) {
  const long long b = blockIdx.x / dm.H, h = blockIdx.x % dm.H, d = dm.D / dm.H, L = dm.L, D = dm.D;
  const float inv_sqrt_d = 1.f / sqrtf(static_cast<float>(d));  // the CPU's float factor, not rsqrtf
  float* p = s.prob + blockIdx.x * L;
  double* e = score + blockIdx.x * L;
  const float* g = s.query + b * D + h * d;
  double mx = -HUGE_VAL;
  for (long long l = threadIdx.x; l < L; l += blockDim.x) {
    const float* kl = in.k + (b * L + l) * D + h * d;
    double dot = 0.0;
    for (long long j = 0; j < d; ++j) dot += static_cast<double>(g[j]) * kl[j];
    e[l] = dot * inv_sqrt_d + (in.valid[b * L + l] ? 0.0 : kFill);
    mx = fmax(mx, e[l]);
  }
  mx = block_reduce(mx, MaxOp{}, -HUGE_VAL);
  double z = 0.0;
  for (long long l = threadIdx.x; l < L; l += blockDim.x) z += (e[l] = exp(e[l] - mx));
  z = block_reduce(z, SumOp{}, 0.0);
  for (long long l = threadIdx.x; l < L; l += blockDim.x) {
    e[l] /= z;
    p[l] = static_cast<float>(e[l]);
  }
  __syncthreads();  // every thread reads all of e below
  for (long long j = threadIdx.x; j < d; j += blockDim.x) {
    double v = 0.0;
    for (long long l = 0; l < L; ++l) v += e[l] * in.k[(b * L + l) * D + h * d + j];
    s.value[b * D + h * d + j] = static_cast<float>(v);
  }
}

// SMP winners: one thread per (b, segment, channel).
__global__ void segment_pool_kernel(MixerInputs in, MixerSaved s, SegmentLayoutView seg, MixerDims dm) {
  GRID_STRIDE(i, dm.B * seg.K * dm.D) {
    const long long c = i % dm.D, k = (i / dm.D) % seg.K, b = i / (dm.D * seg.K);
    const int64_t* start = seg.start + b * (seg.K + 1);
    const int64_t* order = seg.order + b * dm.L;
    if (start[k] == start[k + 1]) continue;
    long long winner = order[start[k]];
    float best = segment_source(in, b * dm.L + winner, (b * dm.L + winner) * dm.D + c);
    for (long long j = start[k] + 1; j < start[k + 1]; ++j) {
      const long long m = order[j];
      const float v = segment_source(in, b * dm.L + m, (b * dm.L + m) * dm.D + c);
      if (v > best) best = v, winner = m;
    }
    s.seg_win[i] = winner;  // i = (b * K + k) * D + c
    s.seg_best[i] = best;
  }
}

// LMP, the special-token rule and PF: one thread per (b, l, c). v is zero without GA (the forward
// zeroes it), smp and lmp are zero without their branch.
__global__ void mix_output_kernel(float* y, MixerInputs in, MixerSaved s, SegmentLayoutView seg, MixerDims dm,
                                  PoNetBranches br) {
  GRID_STRIDE(idx, dm.B * dm.L * dm.D) {
    const long long c = idx % dm.D, row = idx / dm.D, l = row % dm.L, b = row / dm.L;
    const long long w = br.lmp ? local_winner(in, dm, b, l, c) : l;
    s.loc_win[idx] = static_cast<uint8_t>(w - l + 1);
    if (!in.valid[row]) {
      y[idx] = 0.f;
      continue;
    }
    const float lmp =
        !br.lmp || is_special(in, row) ? 0.f : local_source(in, b * dm.L + w, (b * dm.L + w) * dm.D + c);
    y[idx] = (s.value[b * dm.D + c] + segment_pooled(in, s, seg, dm, br, b, l, c)) * in.o[idx] + lmp;
  }
}

__device__ float grad_y(const float* dy, const MixerInputs& in, long long row, long long idx) {
  return in.valid[row] ? dy[idx] : 0.f;
}
__device__ float grad_pool(const float* dy, const MixerInputs& in, long long row, long long idx, float factor) {
  return is_special(in, row) ? 0.f : grad_y(dy, in, row, idx) * factor;
}

// d_o, and the per-row dv = sum_l gy * o kept in double for the GA backward (one thread per (b, c);
// rows in order; each product is exact in double, as on the CPU).
__global__ void pf_backward_kernel(float* d_o, const float* dy, MixerInputs in, MixerSaved s,
                                   SegmentLayoutView seg, MixerDims dm, PoNetBranches br) {
  GRID_STRIDE(idx, dm.B * dm.L * dm.D) {
    const long long c = idx % dm.D, row = idx / dm.D, l = row % dm.L, b = row / dm.L;
    d_o[idx] = grad_y(dy, in, row, idx) * (s.value[b * dm.D + c] + segment_pooled(in, s, seg, dm, br, b, l, c));
  }
}
__global__ void value_grad_kernel(double* dv, const float* dy, MixerInputs in, MixerDims dm) {
  GRID_STRIDE(i, dm.B * dm.D) {
    const long long b = i / dm.D, c = i % dm.D;
    double acc = 0.0;
    for (long long l = 0; l < dm.L; ++l) {
      const long long row = b * dm.L + l, idx = row * dm.D + c;
      acc += static_cast<double>(grad_y(dy, in, row, idx)) * in.o[idx];
    }
    dv[i] = acc;
  }
}

__global__ void segment_pool_backward_kernel(float* dsegment, const float* dy, MixerInputs in, MixerSaved s,
                                             SegmentLayoutView seg, MixerDims dm) {
  GRID_STRIDE(i, dm.B * seg.K * dm.D) {
    const long long c = i % dm.D, k = (i / dm.D) % seg.K, b = i / (dm.D * seg.K);
    const int64_t* start = seg.start + b * (seg.K + 1);
    const int64_t* order = seg.order + b * dm.L;
    if (start[k] == start[k + 1]) continue;
    double total = 0.0;
    for (long long j = start[k]; j < start[k + 1]; ++j) {
      const long long row = b * dm.L + order[j], idx = row * dm.D + c;
      total += grad_pool(dy, in, row, idx, in.o[idx]);
    }
    const long long w = s.seg_win[i];
    if (in.valid[b * dm.L + w]) dsegment[(b * dm.L + w) * dm.D + c] = static_cast<float>(total);
  }
}

__global__ void local_pool_backward_kernel(float* dlocal, const float* dy, MixerInputs in, MixerSaved s, MixerDims dm) {
  GRID_STRIDE(idx, dm.B * dm.L * dm.D) {
    const long long c = idx % dm.D, row = idx / dm.D, m = row % dm.L, b = row / dm.L;
    float acc = 0.f;
    if (in.valid[row] && !is_special(in, row)) {
      const long long lo = m > 0 ? m - 1 : 0, hi = m + 1 < dm.L ? m + 1 : dm.L - 1;
      for (long long l = lo; l <= hi; ++l) {
        const long long i2 = (b * dm.L + l) * dm.D + c;
        if (l - 1 + s.loc_win[i2] == m) acc += grad_pool(dy, in, b * dm.L + l, i2, 1.f);
      }
    }
    dlocal[idx] = acc;
  }
}

// One block per (b, h): dp, the softmax backward into ds (scratch), dg and dk. dv, dp, p.dp, ds and dg
// are double as on the CPU: dp - sum(p dp) cancels, and float there loses the small gradients.
__global__ void ga_backward_kernel(float* dk, double* dg, double* ds, const double* dv, MixerInputs in, MixerSaved s,
                                   MixerDims dm) {
  const long long b = blockIdx.x / dm.H, h = blockIdx.x % dm.H, d = dm.D / dm.H, L = dm.L, D = dm.D;
  const float inv_sqrt_d = 1.f / sqrtf(static_cast<float>(d));
  const float* p = s.prob + blockIdx.x * L;
  const double* dvh = dv + b * D + h * d;
  double* dsh = ds + blockIdx.x * L;
  double p_dot_dp = 0.0;
  for (long long l = threadIdx.x; l < L; l += blockDim.x) {
    double acc = 0.0;
    for (long long j = 0; j < d; ++j) acc += dvh[j] * in.k[(b * L + l) * D + h * d + j];
    dsh[l] = acc;
    p_dot_dp += p[l] * acc;
  }
  const double pdp = block_reduce(p_dot_dp, SumOp{}, 0.0);
  for (long long l = threadIdx.x; l < L; l += blockDim.x) dsh[l] = p[l] * (dsh[l] - pdp) * inv_sqrt_d;
  __syncthreads();  // every thread reads all of dsh below
  for (long long j = threadIdx.x; j < d; j += blockDim.x) {
    double acc = 0.0;
    for (long long l = 0; l < L; ++l) acc += dsh[l] * in.k[(b * L + l) * D + h * d + j];
    dg[b * D + h * d + j] = acc;
  }
  const float* g = s.query + b * D + h * d;
  for (long long i = threadIdx.x; i < L * d; i += blockDim.x) {
    const long long l = i / d, j = i % d;
    dk[(b * L + l) * D + h * d + j] = static_cast<float>(p[l] * dvh[j] + dsh[l] * g[j]);
  }
}

__global__ void query_grad_kernel(float* dq, const double* dg, MixerInputs in, MixerDims dm) {
  // one block per row b: count the real rows, then spread dg / n over them (divided in double)
  const long long b = blockIdx.x;
  long long local = 0;
  for (long long l = threadIdx.x; l < dm.L; l += blockDim.x) local += in.valid[b * dm.L + l] != 0;
  const double n = static_cast<double>(block_reduce(local, SumOp{}, 0LL));
  for (long long i = threadIdx.x; i < dm.L * dm.D; i += blockDim.x) {
    const long long l = i / dm.D, c = i % dm.D;
    dq[b * dm.L * dm.D + i] = in.valid[b * dm.L + l] ? static_cast<float>(dg[b * dm.D + c] / n) : 0.f;
  }
}

}  // namespace

void ponet_mixer_forward(float* y, const MixerSaved& s, const MixerInputs& in, const SegmentLayoutView& seg,
                         const MixerDims& dm, const PoNetBranches& br) {
  const long long n = dm.B * dm.L * dm.D;
  if (n == 0) return;
  if (br.ga) {
    // The double scores of every (b, h) row, on the current device (the tensors' one), pooled.
    int device = 0;
    PONET_CUDA_CHECK(cudaGetDevice(&device));
    const size_t score_bytes = static_cast<size_t>(dm.B * dm.H * dm.L) * sizeof(double);
    double* score = static_cast<double*>(allocate_bytes(score_bytes, Device::cuda(device)));
    ga_query_kernel<<<blocks_for(dm.B * dm.D), 256>>>(in, s, dm);
    PONET_CUDA_CHECK_LAUNCH();
    ga_softmax_value_kernel<<<static_cast<unsigned>(dm.B * dm.H), 256>>>(in, s, score, dm);
    PONET_CUDA_CHECK_LAUNCH();
    free_bytes(score, score_bytes, Device::cuda(device));  // stream-ordered reuse by the caching allocator
  } else {  // no GA term: v = 0, and the saved GA state is zeros, as on the CPU
    PONET_CUDA_CHECK(cudaMemset(s.value, 0, sizeof(float) * dm.B * dm.D));
    PONET_CUDA_CHECK(cudaMemset(s.query, 0, sizeof(float) * dm.B * dm.D));
    PONET_CUDA_CHECK(cudaMemset(s.prob, 0, sizeof(float) * dm.B * dm.H * dm.L));
  }
  if (br.smp && seg.K > 0) segment_pool_kernel<<<blocks_for(dm.B * seg.K * dm.D), 256>>>(in, s, seg, dm);
  PONET_CUDA_CHECK_LAUNCH();
  mix_output_kernel<<<blocks_for(n), 256>>>(y, in, s, seg, dm, br);
  PONET_CUDA_CHECK_LAUNCH();
}

// dv (B, D), dg (B, D) and ds (B, H, L), all double: counted in floats for the caller's F32 tensor.
int64_t ponet_mixer_backward_workspace(const MixerDims& dm) {
  return 2 * (2 * dm.B * dm.D + dm.B * dm.H * dm.L);
}

void ponet_mixer_backward(float* dq, float* dk, float* d_o, float* dlocal, float* dsegment, const float* dy,
                          const MixerSaved& s, const MixerInputs& in, const SegmentLayoutView& seg,
                          const MixerDims& dm, const PoNetBranches& br, float* workspace) {
  const long long n = dm.B * dm.L * dm.D;
  if (n == 0) return;
  PONET_CHECK(reinterpret_cast<uintptr_t>(workspace) % alignof(double) == 0,
              "ponet_mixer_backward: the workspace must be 8-byte aligned (it holds doubles)");
  double* dv = reinterpret_cast<double*>(workspace);
  double* dg = dv + dm.B * dm.D;
  double* ds = dg + dm.B * dm.D;
  pf_backward_kernel<<<blocks_for(n), 256>>>(d_o, dy, in, s, seg, dm, br);
  PONET_CUDA_CHECK_LAUNCH();
  // A removed branch's inputs get zero gradient (kernels/cpu/ponet_mixer.h).
  PONET_CUDA_CHECK(cudaMemset(dsegment, 0, sizeof(float) * n));
  if (br.smp && seg.K > 0)
    segment_pool_backward_kernel<<<blocks_for(dm.B * seg.K * dm.D), 256>>>(dsegment, dy, in, s, seg, dm);
  PONET_CUDA_CHECK_LAUNCH();
  if (br.lmp) local_pool_backward_kernel<<<blocks_for(n), 256>>>(dlocal, dy, in, s, dm);
  else PONET_CUDA_CHECK(cudaMemset(dlocal, 0, sizeof(float) * n));
  PONET_CUDA_CHECK_LAUNCH();
  if (!br.ga) {  // q and k reach y only through GA
    PONET_CUDA_CHECK(cudaMemset(dq, 0, sizeof(float) * n));
    PONET_CUDA_CHECK(cudaMemset(dk, 0, sizeof(float) * n));
    return;
  }
  value_grad_kernel<<<blocks_for(dm.B * dm.D), 256>>>(dv, dy, in, dm);
  PONET_CUDA_CHECK_LAUNCH();
  ga_backward_kernel<<<static_cast<unsigned>(dm.B * dm.H), 256>>>(dk, dg, ds, dv, in, s, dm);
  PONET_CUDA_CHECK_LAUNCH();
  query_grad_kernel<<<static_cast<unsigned>(dm.B), 256>>>(dq, dg, in, dm);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
