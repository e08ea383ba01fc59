#include "nn/incremental_mixer.h"

namespace ponet::nn {

const IncrementalMixer* as_incremental(const TokenMixer& mixer) { return dynamic_cast<const IncrementalMixer*>(&mixer); }

std::vector<std::string> causal_mixer_names() {
  std::vector<std::string> out;
  Rng rng(0);
  MixerOptions tiny;
  tiny.dim = 4;
  tiny.num_heads = 1;
  tiny.head_dim = 4;
  tiny.init = Init{&rng, 0.02f};
  tiny.dropout_rng = &rng;
  for (const std::string& name : token_mixer_names())
    if (as_incremental(*make_token_mixer(name, tiny))) out.push_back(name);
  return out;
}

bool is_causal_mixer(const std::string& name) {
  for (const std::string& n : causal_mixer_names())
    if (n == name) return true;
  return false;
}

}  // namespace ponet::nn
