// The CPU caching allocator against plain aligned_alloc/free, measured in the same run:
//  1. allocate a tensor-sized block, write every float of it (as an op's output would be written, with
//     OpenMP), free it; repeated. With malloc each round is an mmap, a page fault and a kernel zeroing
//     per page, and an munmap; with caching only the write remains after the first round.
//     Also "cold": the cache emptied before each round, so every block is fresh memory.
//  2. many threads allocating and freeing small blocks at once (the cost of the allocator's mutex).
// Rounds are interleaved and the median is printed.
//   usage: bench_allocator [MiB=32] [reps=40] [rounds=5]
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/cpu_caching_allocator.h"

using namespace ponet;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Seconds per allocate + write + free of nbytes.
double time_big(CpuCachingAllocator& a, size_t nbytes, int reps) {
  const int64_t n = static_cast<int64_t>(nbytes / sizeof(float));
  volatile float sink = 0;
  const double t0 = now_s();
  for (int r = 0; r < reps; ++r) {
    float* p = static_cast<float*>(a.allocate(nbytes));
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(r);
    sink = sink + p[n / 2];
    a.deallocate(p, nbytes);
  }
  return (now_s() - t0) / reps;
}

// The same with the cache emptied before each allocation: every block is fresh memory, as in a
// program's first step (this is where huge pages can help: one fault per 2 MiB instead of per 4 KiB).
double time_cold(CpuCachingAllocator& a, size_t nbytes, int reps) {
  double total = 0;
  for (int r = 0; r < reps; ++r) {
    a.empty_cache();
    total += time_big(a, nbytes, 1);
  }
  return total / reps;
}

// Nanoseconds per allocate + free pair of a 4 KiB block, every thread busy at once.
double time_small(CpuCachingAllocator& a, int pairs_per_thread) {
  const double t0 = now_s();
  int threads = 1;
#pragma omp parallel
  {
#pragma omp single
    threads = omp_get_num_threads();
    for (int i = 0; i < pairs_per_thread; ++i) {
      char* p = static_cast<char*>(a.allocate(4096));
      p[i % 4096] = static_cast<char>(i);
      a.deallocate(p, 4096);
    }
  }
  return (now_s() - t0) * 1e9 / (static_cast<double>(pairs_per_thread) * threads);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 32;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 40;
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 5;
  if (mib == 0 || reps <= 0 || rounds <= 0) {
    std::fprintf(stderr, "usage: bench_allocator [MiB>0] [reps>0] [rounds>0]\n");
    return 1;
  }
  const size_t nbytes = mib << 20;
  CpuCachingAllocator plain(CpuAllocatorMode::malloc), caching(CpuAllocatorMode::caching, false),
      caching_huge(CpuAllocatorMode::caching, true);
  struct Variant {
    const char* name;
    CpuCachingAllocator* a;
    std::vector<double> big, cold, small;
  };
  std::vector<Variant> variants = {{"malloc", &plain, {}, {}, {}},
                                   {"caching", &caching, {}, {}, {}},
                                   {"caching+hugepage", &caching_huge, {}, {}, {}}};
  for (Variant& v : variants) time_big(*v.a, nbytes, 2);  // the caches fill (first touch of their block)
  for (int round = 0; round < rounds; ++round)
    for (Variant& v : variants) {
      v.cold.push_back(time_cold(*v.a, nbytes, std::max(1, reps / 4)));
      v.big.push_back(time_big(*v.a, nbytes, reps));
      v.small.push_back(time_small(*v.a, 200000));
    }
  std::printf("CPU allocator, %d threads, median of %d rounds\n", omp_get_max_threads(), rounds);
  std::printf("%-18s %22s %8s %22s %24s\n", "", "alloc+write+free ms", "GB/s", "cold (fresh block) ms",
              "4 KiB alloc+free ns");
  const double base_big = median(variants[0].big), base_cold = median(variants[0].cold),
               base_small = median(variants[0].small);
  for (const Variant& v : variants) {
    const double big = median(v.big), cold = median(v.cold), small = median(v.small);
    std::printf("%-18s %14.2f (%5.2fx) %8.1f %14.2f (%5.2fx) %16.0f (%5.2fx)\n", v.name, 1e3 * big,
                base_big / big, nbytes / big / 1e9, 1e3 * cold, base_cold / cold, small, base_small / small);
  }
  std::printf("(NNx: malloc's time / this one's; %zu MiB blocks, %d reps per round)\n", mib, reps);
  return 0;
}
