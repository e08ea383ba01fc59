// Where a tensor's memory lives. CUDA is available only when the library was built with nvcc
// (PONET_WITH_CUDA) *and* a device is present at run time; cuda_available() answers both.
#pragma once
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
  static Device cuda(int i = 0) { return {DeviceType::CUDA, i}; }
  // "cpu", "cuda", "cuda:1"; throws on anything else.
  static Device parse(const std::string& s);
};

// True when the library was compiled with CUDA support.
bool cuda_compiled();
// True when CUDA is compiled in and at least one device answers. Never throws.
bool cuda_available();

}  // namespace ponet
