// CausalDecoder: runs a PoNetForCausalLM left to right, one token per call, with each layer's mixer
// state (nn/incremental_mixer.h): the causal PoNet's fixed-size running state, or softmax attention's
// key/value cache. Everything else in a layer is per position, so feeding tokens 0..t one by one gives,
// at step t, the logits row t of the full forward of those tokens (tests/test_generate.cpp checks it).
// The model must be in eval mode (no dropout); each call runs without autograd.
#pragma once
#include <memory>
#include <vector>

#include "nn/incremental_mixer.h"
#include "nn/ponet_for_causal_lm.h"

namespace ponet::nn {

class CausalDecoder {
 public:
  explicit CausalDecoder(const PoNetForCausalLM& model);
  // Adds the token at the next position; returns the logits [V] that predict the token after it. Throws
  // past max_position_embeddings or for an id outside the vocabulary.
  std::vector<float> feed(int64_t token);
  int64_t position() const { return position_; }  // tokens fed so far
  int64_t state_bytes() const;                    // what the layers' mixer states hold now

 private:
  const PoNetForCausalLM& model_;
  std::vector<std::unique_ptr<DecodeState>> states_;
  int64_t position_ = 0;
};

}  // namespace ponet::nn
