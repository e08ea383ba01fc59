#include "core/device.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "core/error.h"

namespace ponet {

std::string Device::str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }

Device Device::cuda() { return cuda(process_cuda_device()); }

Device Device::parse(const std::string& s) {
  if (s == "cpu") return cpu();
  if (s == "cuda") return cuda();
  if (s.rfind("cuda:", 0) == 0) {
    try {
      size_t used = 0;
      int i = std::stoi(s.substr(5), &used);
      if (used == s.size() - 5 && i >= 0) return cuda(i);
    } catch (const std::exception&) {
    }
  }
  fail("unknown device '", s, "' (expected cpu, cuda or cuda:N)");
}

#ifndef PONET_WITH_CUDA
bool cuda_compiled() { return false; }
bool cuda_available() { return false; }
int cuda_device_count() { return 0; }
#endif

int cuda_device_for_local_rank(int local_rank, int device_count) {
  PONET_CHECK(local_rank >= 0, "CUDA device choice: local rank ", local_rank, " is negative");
  PONET_CHECK(device_count >= 1, "CUDA device choice: local rank ", local_rank, " has no CUDA device (", device_count,
              " found)");
  return local_rank % device_count;
}

void ProcessDeviceChoice::set_local_rank(int local_rank) {
  PONET_CHECK(local_rank >= 0, "CUDA device choice: local rank ", local_rank, " is negative");
  std::lock_guard<std::mutex> lock(mutex_);
  if (chosen_ >= 0) {
    const int wanted = cuda_device_for_local_rank(local_rank, count_);
    PONET_CHECK(wanted == chosen_, "CUDA device choice: this process already works on cuda:", chosen_,
                " (chosen for local rank ", local_rank_, "), but its local rank is ", local_rank,
                ", whose device is cuda:", wanted, "; join the job (dist::world()) before any CUDA work");
  }
  local_rank_ = local_rank;
}

int ProcessDeviceChoice::device(int device_count) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (chosen_ < 0 && device_count > 0) {
    chosen_ = cuda_device_for_local_rank(local_rank_, device_count);
    count_ = device_count;
  }
  return chosen_ < 0 ? 0 : chosen_;
}

ProcessDeviceChoice& process_device_choice() {
  static ProcessDeviceChoice* choice = new ProcessDeviceChoice();  // never destroyed: tensors may outlive main
  return *choice;
}

void set_process_local_rank(int local_rank) { process_device_choice().set_local_rank(local_rank); }

int process_cuda_device() { return process_device_choice().device(cuda_device_count()); }

namespace {
// -1 until decided: PONET_CUDA_TF32 is read by the first cuda_tf32() call that finds it valid.
std::atomic<int> g_tf32{-1};
}  // namespace

bool parse_cuda_tf32(const char* value) {
  if (value == nullptr || value[0] == '\0' || std::strcmp(value, "0") == 0) return false;
  if (std::strcmp(value, "1") == 0) return true;
  fail("PONET_CUDA_TF32='", value, "': expected '0' (fp32 GEMMs, the default) or '1' (TF32 tensor cores)");
}

bool cuda_tf32() {
  int v = g_tf32.load(std::memory_order_relaxed);
  if (v < 0) {
    v = parse_cuda_tf32(std::getenv("PONET_CUDA_TF32")) ? 1 : 0;
    int expected = -1;  // a set_cuda_tf32 that came in between wins
    if (!g_tf32.compare_exchange_strong(expected, v)) v = expected;
  }
  return v == 1;
}

void set_cuda_tf32(bool enabled) { g_tf32.store(enabled ? 1 : 0); }

}  // namespace ponet
