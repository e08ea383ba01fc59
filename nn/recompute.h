// What an encoder layer recomputes in backward instead of keeping for it (autograd/checkpoint.h),
// trading time for activation memory. Per layer of width D with FFN width F, per token:
//   none  keeps everything (fastest)
//   gelu  the GELU output (F floats) is recomputed from its input; costs GELU + the W2 GEMM again
//   ffn   the whole feed-forward from its input: also W1's output (F more); costs W1 again too
//   all   ffn, and the mixer sublayer from the layer input: the projections, the mixer's saved state
//         and its output (about 3 D for PoNet); costs the projections, the mixer and W_o again
// Dropout inside a recomputed part draws the same mask again, so gradients do not change (to the bit).
//
// A block asks recomputed() for each part and stays free of the levels: the table below says which
// parts a level recomputes.
#pragma once
#include <functional>
#include <string>

#include "core/rng.h"
#include "core/tensor.h"

namespace ponet::nn {

enum class Recompute { none, gelu, ffn, all };

Recompute parse_recompute(const std::string& name);  // throws naming the accepted values
const char* recompute_name(Recompute r);

// The parts of a layer that run again in backward at a level.
struct RecomputedParts {
  bool mixer = false;  // W_o mixer(x), from the layer input x
  bool ffn = false;    // W_2 gelu(W_1 a), from the feed-forward's input a
  bool gelu = false;   // W_2 gelu(h), from W_1's output h (inside a feed-forward that is kept)
};
RecomputedParts recomputed_parts(Recompute r);

// fn(input), recorded as usual when `recompute` is false; else its values with only `input` kept for
// backward, where fn runs again (autograd::checkpoint, named `name`, with `rng` replayed for any dropout
// inside). fn is stored in the graph: it must own what it captures.
using PartFn = std::function<Tensor(const Tensor& input)>;
Tensor recomputed(bool recompute, const char* name, const PartFn& fn, const Tensor& input, Rng* rng = nullptr);

}  // namespace ponet::nn
