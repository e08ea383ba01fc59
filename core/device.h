// Where a tensor's memory lives. CUDA is available only when the library was built with nvcc
// (PONET_WITH_CUDA) *and* a device is present at run time; cuda_available() answers both.
//
// A process computes on one GPU, its process device. In a job with several processes per machine each
// takes its own: the process of local rank r (its rank among the processes of its machine) takes device
// r % count. The CUDA allocator, cuBLAS and NCCL all ask process_cuda_device(), so the tensors and the
// communicator of a rank are always on the same GPU. Device::cuda() and "cuda" name that device.
#pragma once
#include <mutex>
#include <string>

namespace ponet {

enum class DeviceType { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;

  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const;

  static Device cpu() { return {DeviceType::CPU, 0}; }
  static Device cuda();  // the process device (process_cuda_device())
  static Device cuda(int i) { return {DeviceType::CUDA, i}; }
  // "cpu", "cuda" (the process device), "cuda:N"; throws on anything else.
  static Device parse(const std::string& s);
};

// True when the library was compiled with CUDA support.
bool cuda_compiled();
// True when CUDA is compiled in and at least one device answers. Never throws.
bool cuda_available();
// How many devices answer; 0 without CUDA or a driver. Never throws.
int cuda_device_count();

// ---- the process device ---------------------------------------------------------------------------
// The device of the process of local rank local_rank on a machine with device_count devices:
// local_rank % device_count. Throws for a negative rank or a count < 1.
int cuda_device_for_local_rank(int local_rank, int device_count);

// The choice of the process device, apart from the CUDA runtime (which supplies device_count) so that
// it can be tested without a GPU. The first device() call with a count > 0 fixes the choice.
class ProcessDeviceChoice {
 public:
  // Records this process's local rank. Throws if the device was already fixed from another rank and
  // the two would differ: tensors would already live on the wrong GPU.
  void set_local_rank(int local_rank);
  // The chosen device; 0 without a device (device_count 0), which fixes nothing.
  int device(int device_count);

 private:
  std::mutex mutex_;
  int local_rank_ = 0;
  int chosen_ = -1, count_ = 0;  // chosen_ < 0: not fixed yet
};

// The process-wide choice (never destroyed).
ProcessDeviceChoice& process_device_choice();
// Records the local rank before any CUDA work: dist::world() calls it when the process joins a job.
void set_process_local_rank(int local_rank);
// The process device's index: fixed on first use from the local rank (0 unless set) and the number
// of devices; 0 when no device is usable. Never throws when no device is usable.
int process_cuda_device();

// ---- TF32 for fp32 GEMMs (cuBLAS) -----------------------------------------------------------------
// Off by default, as in PyTorch (torch.backends.cuda.matmul.allow_tf32 = False): fp32 GEMMs on CUDA
// round like the CPU's. On, cuBLAS may use TF32 tensor cores (10-bit mantissa inputs, fp32 sums).
// The default comes from PONET_CUDA_TF32, read on the first call of cuda_tf32(): unset, "" or "0" is
// off, "1" is on, anything else is an error naming the value (thrown by every call until fixed).
// set_cuda_tf32 overrides it for the rest of the process. Plain C++, the same in every build.
bool parse_cuda_tf32(const char* value);
bool cuda_tf32();
void set_cuda_tf32(bool enabled);

}  // namespace ponet
