// Model config readers of both families and the family dispatch.
#include "fuzz_util.h"
#include "nn/lra_config.h"
#include "nn/model_factory.h"
#include "nn/ponet_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  ponet::fuzz::expect_error_or_success([&] { ponet::nn::PoNetConfig::from_json(text, "fuzz"); });
  ponet::fuzz::expect_error_or_success([&] { ponet::nn::LraConfig::from_json(text, "fuzz"); });
  ponet::fuzz::expect_error_or_success([&] { ponet::nn::config_family(text, "fuzz"); });
  return 0;
}
