// Shared by the libFuzzer targets: an input either parses or throws ponet::Error; anything else (a
// crash, a sanitizer report, another exception type) is a finding. Path-based readers get the input
// through a file in /dev/shm (or /tmp), removed at exit.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "core/error.h"

namespace ponet::fuzz {

// The paths input_file wrote; removed at exit so that repeated runs (ctest replays) leave nothing behind.
inline std::set<std::string>& input_files() {
  static std::set<std::string> paths;
  return paths;
}
inline void remove_input_files() {
  for (const std::string& p : input_files()) std::remove(p.c_str());
}

inline std::string input_file(const uint8_t* data, size_t size, const char* suffix) {
  static const std::string dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  // the set is built before the handler is registered, so that it is destroyed after the handler runs
  static const bool cleanup_registered = (input_files(), std::atexit(remove_input_files) == 0);
  (void)cleanup_registered;
  const std::string path = dir + "/ponet_fuzz_" + std::to_string(getpid()) + suffix;
  input_files().insert(path);
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
