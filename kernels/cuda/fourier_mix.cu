// CUDA twin of kernels/cpu/fourier_mix.cpp, its reference: y = Re(FFT_L(FFT_D(x))) of (B, L, D) through a
// cuFFT R2C plan and a real-part kernel. Checked against the CPU by tests/ops_table/ in device mode (rows
// "fourier_mix": build/test_ops device --filter fourier_mix); timed by bench/bench_fft.cpp cuda.
#include <cufft.h>

#include <array>
#include <cstdint>
#include <map>
#include <mutex>

#include "core/allocator.h"
#include "core/cuda_check.cuh"
#include "kernels/cuda/fourier_mix.cuh"

// Checks a cuFFT call; failures throw ponet::Error naming the call, the place and the cuFFT status.
#define PONET_CUFFT_CHECK(call)                                                                   \
  do {                                                                                            \
    cufftResult st_ = (call);                                                                     \
    if (st_ != CUFFT_SUCCESS)                                                                     \
      ::ponet::fail("cuFFT error ", ::ponet::cuda::cufft_status_name(st_), " (", static_cast<int>(st_), \
                    ") in ", #call, " at ", __FILE__, ":", __LINE__);                             \
  } while (0)

namespace ponet::cuda {

namespace {

const char* cufft_status_name(cufftResult st) {
  switch (st) {
    case CUFFT_INVALID_PLAN: return "CUFFT_INVALID_PLAN";
    case CUFFT_ALLOC_FAILED: return "CUFFT_ALLOC_FAILED";
    case CUFFT_INVALID_VALUE: return "CUFFT_INVALID_VALUE";
    case CUFFT_INTERNAL_ERROR: return "CUFFT_INTERNAL_ERROR";
    case CUFFT_EXEC_FAILED: return "CUFFT_EXEC_FAILED";
    case CUFFT_SETUP_FAILED: return "CUFFT_SETUP_FAILED";
    case CUFFT_INVALID_SIZE: return "CUFFT_INVALID_SIZE";
    case CUFFT_NOT_SUPPORTED: return "CUFFT_NOT_SUPPORTED";
    case CUFFT_INVALID_TYPE: return "CUFFT_INVALID_TYPE";
    case CUFFT_UNALIGNED_DATA: return "CUFFT_UNALIGNED_DATA";
    case CUFFT_INVALID_DEVICE: return "CUFFT_INVALID_DEVICE";
    case CUFFT_NO_WORKSPACE: return "CUFFT_NO_WORKSPACE";
    default: return "(other cuFFT status)";
  }
}

// A real (B, L, D) problem reduced to the shapes cuFFT is given. The 2-D transform of an (L, 1) array
// is the 1-D transform over L, which in memory is a (1, L) array: so D == 1 becomes (1, L), and
// L == 1 uses a 1-D transform over D (cuFFT's 2-D plans want both sizes >= 2).
struct Problem {
  int64_t batch, L, D;
  int64_t half() const { return D / 2 + 1; }
};

Problem canonical(int64_t batch, int64_t L, int64_t D) {
  if (D == 1) return {batch, 1, L};
  return {batch, L, D};
}

// A cuFFT plan whose work area comes from our caching allocator (so it shows in memory_stats and is
// reused like any tensor's memory) rather than from cuFFT's own cudaMalloc.
struct CachedPlan {
  cufftHandle plan;
  void* work;
  size_t work_bytes;
  int device;
  uint64_t last_use;
};

// Plans are kept by (device, B, L, D), at most kMaxPlans of them: the least recently used one is
// destroyed (and its work area given back) when a new shape needs room, so a run with many lengths
// does not grow without bound. The few left at exit go with the CUDA context; destroying them from a
// static destructor could run after the runtime has shut down.
constexpr size_t kMaxPlans = 16;
using PlanKey = std::array<int64_t, 4>;

struct PlanCache {
  std::mutex mutex;
  std::map<PlanKey, CachedPlan> plans;
  uint64_t clock = 0;
};

PlanCache& plan_cache() {
  static PlanCache* cache = new PlanCache();  // never destroyed: see above
  return *cache;
}

void destroy_plan(const CachedPlan& c) {
  PONET_CUFFT_CHECK(cufftDestroy(c.plan));
  free_bytes(c.work, c.work_bytes, Device::cuda(c.device));  // stream-ordered reuse, like any tensor
}

// R2C plan: input rows (b, l) of D reals with row stride D, output rows of D/2+1 complex.
CachedPlan make_plan(const Problem& p, int device) {
  CachedPlan c{};
  c.device = device;
  PONET_CUFFT_CHECK(cufftCreate(&c.plan));
  // cuFFT must not allocate the work area itself; a failed step destroys the half-made plan (its
  // own status is dropped: the first failure is the one reported).
  auto fail_with = [&](const char* step, cufftResult st) {
    cufftDestroy(c.plan);
    ::ponet::fail("fourier_mix: cuFFT ", step, " failed for a real-to-complex transform of ", p.batch, " x [", p.L,
                  ", ", p.D, "]: ", cufft_status_name(st), " (", static_cast<int>(st), ")");
  };
  cufftResult st = cufftSetAutoAllocation(c.plan, 0);
  if (st != CUFFT_SUCCESS) fail_with("cufftSetAutoAllocation", st);
  const int rank = p.L == 1 ? 1 : 2;
  long long n[2] = {p.L, p.D}, in_embed[2] = {p.L, p.D}, out_embed[2] = {p.L, p.half()};
  long long* n_ptr = rank == 1 ? n + 1 : n;
  long long* in_ptr = rank == 1 ? in_embed + 1 : in_embed;
  long long* out_ptr = rank == 1 ? out_embed + 1 : out_embed;
  size_t work_bytes = 0;
  st = cufftMakePlanMany64(c.plan, rank, n_ptr, in_ptr, 1, p.L * p.D, out_ptr, 1, p.L * p.half(), CUFFT_R2C, p.batch,
                           &work_bytes);
  if (st != CUFFT_SUCCESS) fail_with("planning (cufftMakePlanMany64)", st);
  // Always a real buffer, even for a size of 0: a plan without a work area fails with NO_WORKSPACE.
  c.work_bytes = work_bytes > 0 ? work_bytes : 256;
  try {
    c.work = allocate_bytes(c.work_bytes, Device::cuda(device));
  } catch (...) {
    cufftDestroy(c.plan);
    throw;
  }
  st = cufftSetWorkArea(c.plan, c.work);
  if (st != CUFFT_SUCCESS) {
    free_bytes(c.work, c.work_bytes, Device::cuda(device));
    fail_with("cufftSetWorkArea", st);
  }
  return c;
}

// Queues the R2C transform x -> Z with the cached plan of p's shape. The cache lock is held while the
// transform is queued, so no other thread can evict (destroy) the plan in between.
void exec_r2c(const Problem& p, const float* x, cufftComplex* Z) {
  int device = 0;
  PONET_CUDA_CHECK(cudaGetDevice(&device));
  const PlanKey key{device, p.batch, p.L, p.D};
  PlanCache& cache = plan_cache();
  std::lock_guard<std::mutex> lock(cache.mutex);
  auto it = cache.plans.find(key);
  if (it == cache.plans.end()) {
    if (cache.plans.size() >= kMaxPlans) {
      auto oldest = cache.plans.begin();
      for (auto j = cache.plans.begin(); j != cache.plans.end(); ++j)
        if (j->second.last_use < oldest->second.last_use) oldest = j;
      const CachedPlan victim = oldest->second;
      cache.plans.erase(oldest);
      destroy_plan(victim);
    }
    it = cache.plans.emplace(key, make_plan(p, device)).first;
  }
  it->second.last_use = ++cache.clock;
  // Out-of-place R2C leaves its input intact; cuFFT's signature just is not const.
  PONET_CUFFT_CHECK(cufftExecR2C(it->second.plan, const_cast<cufftReal*>(x), Z));
}

// y[b, l, d] = Re Z[b, l, d] for d <= D/2, else Re Z[b, (L - l) mod L, D - d] (conjugate mirror).
__global__ void real_part_kernel(float* y, const cufftComplex* Z, long long batch, long long L, long long D) {
  const long long total = batch * L * D, half = D / 2 + 1;
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<long long>(gridDim.x) * blockDim.x) {
    const long long d = i % D, l = (i / D) % L, b = i / (D * L);
    const long long src = d < half ? (b * L + l) * half + d : (b * L + (l == 0 ? 0 : L - l)) * half + (D - d);
    y[i] = Z[src].x;
  }
}

}  // namespace

int64_t fourier_mix_workspace(int64_t batch, int64_t L, int64_t D) {
  const Problem p = canonical(batch, L, D);
  return 2 * p.batch * p.L * p.half();
}

void fourier_mix_forward(float* y, const float* x, float* workspace, int64_t batch, int64_t L, int64_t D) {
  if (batch * L * D == 0) return;
  const Problem p = canonical(batch, L, D);
  if (p.L == 1 && p.D == 1) {  // the 1 x 1 DFT is the identity
    PONET_CUDA_CHECK(cudaMemcpy(y, x, batch * sizeof(float), cudaMemcpyDeviceToDevice));
    return;
  }
  cufftComplex* Z = reinterpret_cast<cufftComplex*>(workspace);
  exec_r2c(p, x, Z);
  const long long total = p.batch * p.L * p.D;
  real_part_kernel<<<blocks_for(total), 256>>>(y, Z, p.batch, p.L, p.D);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
