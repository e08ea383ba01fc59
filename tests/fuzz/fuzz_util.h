// Shared by the libFuzzer targets: an input either parses or throws ponet::Error; anything else (a
// crash, a sanitizer report, another exception type) is a finding. Path-based readers get the input
// through a file in /dev/shm (or /tmp).
#pragma once
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "core/error.h"

namespace ponet::fuzz {

inline std::string input_file(const uint8_t* data, size_t size, const char* suffix) {
  static const std::string dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  const std::string path = dir + "/ponet_fuzz_" + std::to_string(getpid()) + suffix;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

template <class F>
int expect_error_or_success(F&& f) {
  try {
    f();
  } catch (const ponet::Error&) {
  }
  return 0;
}

}  // namespace ponet::fuzz
