// The token-mixer registry: one line per mixer.
#include "core/error.h"
#include "nn/mixers/fnet.h"
#include "nn/mixers/ponet.h"
#include "nn/mixers/ponet_causal.h"
#include "nn/mixers/softmax_attention.h"
#include "nn/mixers/softmax_causal.h"
#include "nn/token_mixer.h"

namespace ponet::nn {

namespace {

// Mutable only through register_token_mixer, so that a program can plug in its own mixer.
std::vector<std::pair<std::string, MixerFactory>>& registry() {
  static std::vector<std::pair<std::string, MixerFactory>> mixers = {
      {"ponet", make_ponet_mixer},             // GA + SMP + LMP fused by PF (the paper's mixer)
      {"softmax", make_softmax_attention},     // multi-head scaled dot-product attention
      {"fnet", make_fnet_mixer},               // Re(FFT_seq(FFT_hidden(x))), no parameters
      {"ponet_causal", make_ponet_causal_mixer},  // PoNet where t sees only <= t; running state for generation
      {"softmax_causal", make_softmax_causal_attention},  // GPT-style masked softmax attention; KV cache
  };
  return mixers;
}

}  // namespace

std::vector<std::string> token_mixer_names() {
  std::vector<std::string> names;
  for (auto& [name, factory] : registry()) names.push_back(name);
  return names;
}

bool is_token_mixer(const std::string& name) {
  for (auto& [known, factory] : registry())
    if (known == name) return true;
  return false;
}

void register_token_mixer(const std::string& name, MixerFactory factory) {
  PONET_CHECK(!name.empty(), "register_token_mixer: the name is empty");
  PONET_CHECK(factory != nullptr, "register_token_mixer: the factory of \"", name, "\" is empty");
  PONET_CHECK(!is_token_mixer(name), "register_token_mixer: a mixer named \"", name, "\" is already registered");
  registry().emplace_back(name, std::move(factory));
}

std::shared_ptr<TokenMixer> make_token_mixer(const std::string& name, const MixerOptions& options) {
  for (auto& [known, factory] : registry())
    if (known == name) return factory(options);
  std::string known;
  for (auto& n : token_mixer_names()) known += (known.empty() ? "" : ", ") + n;
  fail("unknown token mixer \"", name, "\" (known: ", known, ")");
}

}  // namespace ponet::nn
