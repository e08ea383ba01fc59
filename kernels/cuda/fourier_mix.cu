#include <cufft.h>

#include <array>
#include <map>
#include <mutex>

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

// R2C plan: input rows (b, l) of D reals with row stride D, output rows of D/2+1 complex.
cufftHandle plan_for(const Problem& p) {
  static std::mutex* mutex = new std::mutex();  // never destroyed: plans are used until exit
  static auto* plans = new std::map<std::array<int64_t, 4>, cufftHandle>();
  int device = 0;
  PONET_CUDA_CHECK(cudaGetDevice(&device));
  const std::array<int64_t, 4> key{device, p.batch, p.L, p.D};
  std::lock_guard<std::mutex> lock(*mutex);
  auto it = plans->find(key);
  if (it != plans->end()) return it->second;
  cufftHandle plan;
  PONET_CUFFT_CHECK(cufftCreate(&plan));
  const int rank = p.L == 1 ? 1 : 2;
  long long n[2] = {p.L, p.D}, in_embed[2] = {p.L, p.D}, out_embed[2] = {p.L, p.half()};
  long long* n_ptr = rank == 1 ? n + 1 : n;
  long long* in_ptr = rank == 1 ? in_embed + 1 : in_embed;
  long long* out_ptr = rank == 1 ? out_embed + 1 : out_embed;
  size_t work_bytes = 0;
  cufftResult st = cufftMakePlanMany64(plan, rank, n_ptr, in_ptr, 1, p.L * p.D, out_ptr, 1, p.L * p.half(),
                                       CUFFT_R2C, p.batch, &work_bytes);
  if (st != CUFFT_SUCCESS) {
    cufftDestroy(plan);
    ::ponet::fail("fourier_mix: cuFFT could not plan a real-to-complex transform of ", p.batch, " x [", p.L, ", ",
                  p.D, "]: ", cufft_status_name(st), " (", static_cast<int>(st), ")");
  }
  plans->emplace(key, plan);
  return plan;
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
  // Out-of-place R2C leaves its input intact; cuFFT's signature just is not const.
  PONET_CUFFT_CHECK(cufftExecR2C(plan_for(p), const_cast<cufftReal*>(x), Z));
  const long long total = p.batch * p.L * p.D;
  real_part_kernel<<<blocks_for(total), 256>>>(y, Z, p.batch, p.L, p.D);
  PONET_CUDA_CHECK_LAUNCH();
}

}  // namespace ponet::cuda
