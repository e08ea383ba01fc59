// The CUDA allocator's bookkeeping (core/cuda_block_pool.h) over a fake backend, so it runs without a
// GPU: free lists keyed by (device, size), per-device figures, raw mode, out of memory; the
// PONET_CUDA_ALLOCATOR and PONET_CUDA_TF32 parsers; the choice of the process device (core/device.h).
// The gpu suite checks the real allocator: placement on the process device and staged uploads.
#include <cstdlib>
#include <map>
#include <set>

#include "core/allocator.h"
#include "core/cuda_block_pool.h"
#include "core/device.h"
#include "core/memory_stats.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {

// Hands out fake addresses and records every call; `fail_next` makes that many allocations report
// out of memory.
struct FakeDeviceMemory {
  std::map<void*, std::pair<int, size_t>> live;  // block -> (device, bytes)
  std::vector<std::pair<int, size_t>> allocations;
  std::vector<std::pair<int, void*>> releases;
  int fail_next = 0;
  uintptr_t next = 0x1000;

  DeviceMemoryBackend backend() {
    return {[this](int device, size_t bytes) -> void* {
              if (fail_next > 0) {
                --fail_next;
                return nullptr;
              }
              allocations.push_back({device, bytes});
              void* p = reinterpret_cast<void*>(next);
              next += bytes + 0x1000;
              live[p] = {device, bytes};
              return p;
            },
            [this](int device, void* block) {
              releases.push_back({device, block});
              CHECK(live.count(block) == 1);
              CHECK(live[block].first == device);  // given back to the device it came from
              live.erase(block);
            }};
  }
};

}  // namespace

TEST_CASE("cuda allocator: PONET_CUDA_ALLOCATOR values parse and unknown ones are a clear error") {
  CHECK(parse_cuda_allocator_mode(nullptr) == CudaAllocatorMode::caching);
  CHECK(parse_cuda_allocator_mode("") == CudaAllocatorMode::caching);
  CHECK(parse_cuda_allocator_mode("caching") == CudaAllocatorMode::caching);
  CHECK(parse_cuda_allocator_mode("raw") == CudaAllocatorMode::raw);
  for (const char* bad : {"Raw", "raw ", "malloc", "1"}) {
    INFO("value '", bad, "'");
    try {
      parse_cuda_allocator_mode(bad);
      FAIL("no error");
    } catch (const Error& e) {
      const std::string msg = e.what();
      CHECK(msg.find("PONET_CUDA_ALLOCATOR") != std::string::npos);
      CHECK(msg.find(std::string("'") + bad + "'") != std::string::npos);
      CHECK(msg.find("raw") != std::string::npos);
    }
  }
}

TEST_CASE("cuda allocator: block sizes round to 512 bytes, or to 2 MiB above 1 MiB") {
  CHECK(cuda_block_size(0) == 512);
  CHECK(cuda_block_size(1) == 512);
  CHECK(cuda_block_size(512) == 512);
  CHECK(cuda_block_size(513) == 1024);
  CHECK(cuda_block_size(size_t(1) << 20) == size_t(1) << 20);
  CHECK(cuda_block_size((size_t(1) << 20) + 1) == size_t(2) << 20);
  CHECK(cuda_block_size((size_t(4) << 20) + 1) == size_t(6) << 20);
}

TEST_CASE("cuda allocator: a freed block is reused on its own device only, and figures are per device") {
  FakeDeviceMemory fake;
  DeviceBlockPool pool(CudaAllocatorMode::caching, fake.backend());
  void* a = pool.allocate(0, 1000);
  CHECK(fake.allocations.back() == std::make_pair(0, size_t(1024)));
  pool.deallocate(0, a, 1000);
  CHECK(pool.stats(0).cached == 1024);
  CHECK(pool.stats(0).in_use == 0);
  CHECK(pool.stats(0).peak == 1024);

  void* b = pool.allocate(1, 1000);  // same size, other device: never device 0's block
  CHECK(b != a);
  CHECK(fake.allocations.size() == 2);
  CHECK(fake.allocations.back() == std::make_pair(1, size_t(1024)));
  CHECK(pool.stats(1).in_use == 1024);
  CHECK(pool.stats(0).in_use == 0);
  CHECK(pool.stats(0).cached == 1024);

  void* c = pool.allocate(0, 900);  // same class on device 0: the cached block, no new allocation
  CHECK(c == a);
  CHECK(fake.allocations.size() == 2);
  CHECK(pool.stats(0).cached == 0);
  CHECK(pool.stats(7).in_use == 0);  // a device never used answers zeros
  CHECK(pool.stats(7).peak == 0);

  pool.deallocate(0, c, 900);
  pool.deallocate(1, b, 1000);
  pool.empty_cache(1);  // device 1's cache only
  CHECK(fake.releases.size() == 1);
  CHECK(fake.releases[0] == std::make_pair(1, b));
  CHECK(pool.stats(1).cached == 0);
  CHECK(pool.stats(0).cached == 1024);
  pool.reset_peak(0);
  CHECK(pool.stats(0).peak == 0);
  CHECK(pool.stats(1).peak == 1024);
}

TEST_CASE("cuda allocator: out of memory gives the device's cache back, retries once, then names the device") {
  FakeDeviceMemory fake;
  DeviceBlockPool pool(CudaAllocatorMode::caching, fake.backend());
  void* small0 = pool.allocate(0, 512);
  void* small1 = pool.allocate(1, 512);
  pool.deallocate(0, small0, 512);
  pool.deallocate(1, small1, 512);
  fake.fail_next = 1;  // the first try fails, the retry after releasing device 1's cache succeeds
  void* big = pool.allocate(1, 4096);
  CHECK(big != nullptr);
  REQUIRE(fake.releases.size() == 1);
  CHECK(fake.releases[0] == std::make_pair(1, small1));  // device 0's cache is not touched
  CHECK(pool.stats(0).cached == 512);
  CHECK(pool.stats(1).cached == 0);
  CHECK(pool.stats(1).in_use == 4096);

  fake.fail_next = 2;
  CHECK_THROWS_WITH_AS(pool.allocate(1, 5000), doctest::Contains("cuda:1 is out of memory asking for 5000 bytes"),
                       Error);
  CHECK(pool.stats(1).in_use == 4096);  // the failed request counts nothing
}

TEST_CASE("cuda allocator: raw mode allocates the exact size per tensor and gives it back at once") {
  FakeDeviceMemory fake;
  DeviceBlockPool pool(CudaAllocatorMode::raw, fake.backend());
  void* a = pool.allocate(0, 1000);
  CHECK(fake.allocations.back() == std::make_pair(0, size_t(1000)));  // not rounded: memcheck sees the end
  CHECK(pool.stats(0).in_use == 1024);  // the figures count rounded sizes, as in caching mode
  pool.deallocate(0, a, 1000);
  CHECK(fake.releases.size() == 1);
  CHECK(fake.live.empty());
  CHECK(pool.stats(0).cached == 0);
  void* b = pool.allocate(0, 1000);  // a fresh allocation, not a reused one
  CHECK(fake.allocations.size() == 2);
  pool.deallocate(0, b, 1000);
  void* z = pool.allocate(0, 0);
  CHECK(fake.allocations.back().second == 1);  // zero bytes still get a real (1-byte) block
  pool.deallocate(0, z, 0);
  fake.fail_next = 1;  // raw mode has no cache to give back: one try
  CHECK_THROWS_WITH_AS(pool.allocate(0, 64), doctest::Contains("PONET_CUDA_ALLOCATOR=raw"), Error);
}

TEST_CASE("process device: local rank modulo the device count, chosen once") {
  CHECK(cuda_device_for_local_rank(0, 1) == 0);
  CHECK(cuda_device_for_local_rank(3, 4) == 3);
  CHECK(cuda_device_for_local_rank(5, 4) == 1);
  CHECK_THROWS_WITH_AS(cuda_device_for_local_rank(-1, 4), doctest::Contains("local rank -1 is negative"), Error);
  CHECK_THROWS_WITH_AS(cuda_device_for_local_rank(2, 0), doctest::Contains("local rank 2 has no CUDA device"), Error);

  ProcessDeviceChoice choice;
  CHECK(choice.device(0) == 0);  // no device: nothing is fixed
  choice.set_local_rank(3);
  CHECK(choice.device(2) == 1);  // fixed now
  CHECK(choice.device(4) == 1);  // and stays
  CHECK_NOTHROW(choice.set_local_rank(5));  // 5 % 2 is the same device
  CHECK_THROWS_WITH_AS(choice.set_local_rank(2),
                       doctest::Contains("already works on cuda:1 (chosen for local rank 5), but its local rank is 2"),
                       Error);
  CHECK_THROWS_WITH_AS(choice.set_local_rank(-1), doctest::Contains("negative"), Error);
}

TEST_CASE("process device: Device::cuda() and \"cuda\" name it") {
  CHECK(Device::cuda() == Device::cuda(process_cuda_device()));
  CHECK(Device::parse("cuda") == Device::cuda());
  CHECK(Device::parse("cuda:3") == Device::cuda(3));
  if (!cuda_available()) CHECK(process_cuda_device() == 0);
}

TEST_CASE("tf32: PONET_CUDA_TF32 values parse, the switch overrides, and bad values are a clear error") {
  CHECK_FALSE(parse_cuda_tf32(nullptr));
  CHECK_FALSE(parse_cuda_tf32(""));
  CHECK_FALSE(parse_cuda_tf32("0"));
  CHECK(parse_cuda_tf32("1"));
  for (const char* bad : {"true", "on", " 1", "2"}) {
    INFO("value '", bad, "'");
    const std::string named = std::string("PONET_CUDA_TF32='") + bad + "'";
    CHECK_THROWS_WITH_AS(parse_cuda_tf32(bad), doctest::Contains(named.c_str()), Error);
  }
  const bool before = cuda_tf32();
  set_cuda_tf32(true);
  CHECK(cuda_tf32());
  set_cuda_tf32(false);
  CHECK_FALSE(cuda_tf32());
  set_cuda_tf32(before);
}

TEST_CASE("cuda allocator: tensors land on the process device and another index is refused by name" *
          doctest::test_suite("gpu")) {
  if (skip_without_gpu()) return;
  const int device = process_cuda_device();
  Tensor t = Tensor::zeros({1000}, DType::F32, Device::cuda());
  CHECK(t.device().index == device);
  CHECK(memory_stats(Device::cuda(device)).in_use >= 4096);
  const int other = device + 1;
  CHECK(memory_stats(Device::cuda(other)).in_use == 0);
  const std::string refused = "cuda:" + std::to_string(other) + " is not this process's GPU";
  CHECK_THROWS_WITH_AS(Tensor::zeros({4}, DType::F32, Device::cuda(other)), doctest::Contains(refused.c_str()), Error);
}

TEST_CASE("cuda allocator: an upload copies the host bytes at the call, and many uploads all land" *
          doctest::test_suite("gpu")) {
  if (skip_without_gpu()) return;
  // Queued behind real work, so that the copies are still in flight when the sources change.
  Rng rng(3);
  Tensor busy = Tensor::randn({1024, 1024}, rng).to(Device::cuda());
  for (int i = 0; i < 8; ++i) busy = matmul(busy, busy);  // the values overflow; only the time matters
  std::vector<Tensor> uploaded;
  std::vector<std::vector<int64_t>> expected;
  for (int64_t i = 0; i < 64; ++i) {
    const int64_t n = 1 + i * 997 % 40000;  // sizes from one element to ~300 KiB, several staging blocks
    std::vector<int64_t> values(n);
    for (int64_t j = 0; j < n; ++j) values[j] = i * 100000 + j;
    uploaded.push_back(Tensor::from_vector_i64(values, {n}, Device::cuda()));
    expected.push_back(values);
    std::fill(values.begin(), values.end(), -1);  // the source changes right after the call
  }
  for (size_t i = 0; i < uploaded.size(); ++i) {
    INFO("upload ", i);
    CHECK(uploaded[i].to_vector_i64() == expected[i]);
  }
  // larger than the staging limit: the plain copy
  std::vector<float> big(5 << 20, 1.5f);
  CHECK(Tensor::from_vector(big, {static_cast<int64_t>(big.size())}, Device::cuda()).to_vector() == big);
}
