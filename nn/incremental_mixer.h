// Causal token mixers that also run left to right, one position at a time, for generation
// (nn/causal_decoder.h). A mixer is causal when it derives from IncrementalMixer as well as TokenMixer:
// its forward's output at position t then depends on positions <= t only, and decode_step fed the
// positions 0..t one by one returns, at step t, the same row as that forward (to float32 rounding).
//   ponet_causal    running state of a fixed size (nn/mixers/ponet_causal.h)
//   softmax_causal  a key/value cache that grows with the context (nn/mixers/softmax_causal.h)
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nn/token_mixer.h"

namespace ponet::nn {

// What a mixer remembers of the positions it has seen (one per layer and sequence).
class DecodeState {
 public:
  virtual ~DecodeState() = default;
  virtual int64_t bytes() const = 0;  // the memory the state holds now
};

class IncrementalMixer {
 public:
  virtual ~IncrementalMixer() = default;
  virtual std::unique_ptr<DecodeState> start_decoding() const = 0;
  // x [1, 1, D]: the layer input at the next position (the number of positions the state has seen).
  // Returns the mixer output there, [1, 1, output_dim()], and adds the position to the state.
  virtual Tensor decode_step(const Tensor& x, DecodeState& state) const = 0;
};

// The mixer as an IncrementalMixer, or nullptr when it is not causal.
const IncrementalMixer* as_incremental(const TokenMixer& mixer);
// The registered mixers that are causal (built once each at a tiny size to ask).
std::vector<std::string> causal_mixer_names();
bool is_causal_mixer(const std::string& name);

}  // namespace ponet::nn
