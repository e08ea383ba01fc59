// safetensors parser (checkpoints, fixtures).
#include "fuzz_util.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return ponet::fuzz::expect_error_or_success(
      [&] { ponet::io::parse_safetensors(std::string(reinterpret_cast<const char*>(data), size), "fuzz"); });
}
