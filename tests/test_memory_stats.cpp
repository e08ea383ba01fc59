// memory_stats: the CPU counters follow tensor lifetimes byte for byte (sizes rounded up to the
// allocator's size classes, 64 bytes at the least), the peak is a high-water mark that
// reset_peak_memory lowers, empty_cache empties the CUDA cache, and the CUDA side neither throws nor
// reports anything on a machine without a GPU.
#include <cstdio>

#include "core/memory_stats.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

TEST_CASE("memory_stats: a CPU tensor raises in_use and peak by its size and freeing it lowers in_use") {
  const int64_t n = 1 << 20;  // floats, 4 MiB, a multiple of the alignment so the count is exact
  const size_t nbytes = static_cast<size_t>(n) * 4;
  const MemoryStats before = memory_stats(Device::cpu());
  CHECK(before.peak >= before.in_use);
  {
    Tensor t = Tensor::zeros({n});
    const MemoryStats held = memory_stats(Device::cpu());
    CHECK(held.in_use == before.in_use + nbytes);
    CHECK(held.peak >= before.in_use + nbytes);
    CHECK(held.peak >= held.in_use);
  }
  const MemoryStats after = memory_stats(Device::cpu());
  CHECK(after.in_use == before.in_use);
  CHECK(after.peak >= before.in_use + nbytes);  // the peak remembers the freed tensor
  CHECK(after.reserved() >= after.in_use);
}

TEST_CASE("memory_stats: a small CPU tensor is counted at the 64-byte alignment") {
  const size_t before = memory_stats(Device::cpu()).in_use;
  Tensor t = Tensor::zeros({3});  // 12 bytes
  CHECK(memory_stats(Device::cpu()).in_use == before + 64);
}

TEST_CASE("memory_stats: reset_peak_memory brings the peak down to in_use") {
  { Tensor big = Tensor::zeros({1 << 20}); }
  const MemoryStats high = memory_stats(Device::cpu());
  REQUIRE(high.peak >= high.in_use + (4u << 20));
  reset_peak_memory(Device::cpu());
  MemoryStats s = memory_stats(Device::cpu());
  CHECK(s.peak == s.in_use);
  Tensor t = Tensor::zeros({1024});
  s = memory_stats(Device::cpu());
  CHECK(s.peak == s.in_use);  // a new allocation after the reset is the new high-water mark
}

TEST_CASE("memory_stats: process RSS grows when a tensor is touched and the maximum follows it") {
  empty_cache(Device::cpu());  // else an earlier test's cached (already resident) block could be reused
  const size_t before = process_current_rss_bytes();
  REQUIRE(before > 0);
  REQUIRE(process_max_rss_bytes() > 0);
  const size_t nbytes = 64u << 20;  // above glibc's largest mmap threshold: fresh, untouched pages
  Tensor t = Tensor::zeros({static_cast<int64_t>(nbytes / 4)});  // zeroing makes every page resident
  const size_t current = process_current_rss_bytes(), max_rss = process_max_rss_bytes();
  INFO("RSS before ", before, " bytes, now ", current, " bytes, max ", max_rss, " bytes");
  CHECK(current >= before + nbytes / 2);
  // The kernel's RSS counters are per-CPU and only approximately summed (getrusage and statm differ by
  // up to some tens of KiB), so the maximum is compared with slack.
  CHECK(max_rss + (1u << 20) >= current);
}

TEST_CASE("memory_stats: without a CUDA device cuda_synchronize is a no-op and the CUDA figures are zero") {
  if (cuda_available()) {
    skip_test("a CUDA device is present (the gpu suite covers it)");
    return;
  }
  CHECK_NOTHROW(cuda_synchronize());
  CHECK_NOTHROW(reset_peak_memory(Device::cuda()));
  const MemoryStats s = memory_stats(Device::cuda());
  CHECK(s.in_use == 0);
  CHECK(s.peak == 0);
  CHECK(s.cached == 0);
}

TEST_CASE("memory_stats: a CUDA tensor moves the caching allocator's in_use and cached" *
          doctest::test_suite("gpu")) {
  if (skip_without_gpu()) return;
  const int64_t n = 1 << 20;  // 4 MiB: above 1 MiB the allocator rounds to 2 MiB, so the count is exact
  const size_t nbytes = static_cast<size_t>(n) * 4;
  cuda_synchronize();
  const MemoryStats before = memory_stats(Device::cuda());
  {
    Tensor t = Tensor::zeros({n}, DType::F32, Device::cuda());
    const MemoryStats held = memory_stats(Device::cuda());
    CHECK(held.in_use == before.in_use + nbytes);
    CHECK(held.peak >= held.in_use);
  }
  const MemoryStats after = memory_stats(Device::cuda());
  CHECK(after.in_use == before.in_use);
  CHECK(after.cached >= nbytes);  // the block went to the free list, not back to the driver
  reset_peak_memory(Device::cuda());
  const MemoryStats reset = memory_stats(Device::cuda());
  CHECK(reset.peak == reset.in_use);
  empty_cache(Device::cuda());  // the cached blocks go back to the driver, live ones stay
  const MemoryStats emptied = memory_stats(Device::cuda());
  CHECK(emptied.cached == 0);
  CHECK(emptied.in_use == before.in_use);
  Tensor again = Tensor::zeros({n}, DType::F32, Device::cuda());  // and allocating still works
  CHECK(memory_stats(Device::cuda()).in_use == before.in_use + nbytes);
}
