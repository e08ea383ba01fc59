#include "core/device.h"

#include "core/error.h"

namespace ponet {

std::string Device::str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }

Device Device::parse(const std::string& s) {
  if (s == "cpu") return cpu();
  if (s == "cuda") return cuda(0);
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
#endif

}  // namespace ponet
