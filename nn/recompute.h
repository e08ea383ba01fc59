// What an encoder layer recomputes in backward instead of keeping for it (autograd/checkpoint.h),
// trading time for activation memory. Per layer of width D with FFN width F, per token:
//   none  keeps everything (fastest)
//   gelu  the GELU output (F floats) is recomputed from its input; costs GELU + the W2 GEMM again
//   ffn   the whole feed-forward from its input: also W1's output (F more); costs W1 again too
//   all   ffn, and the mixer sublayer from the layer input: the projections, the mixer's saved state
//         and its output (about 3 D for PoNet); costs the projections, the mixer and W_o again
// Dropout inside a recomputed part draws the same mask again, so gradients do not change (to the bit).
#pragma once
#include <string>

namespace ponet::nn {

enum class Recompute { none, gelu, ffn, all };

Recompute parse_recompute(const std::string& name);  // throws naming the accepted values
const char* recompute_name(Recompute r);

}  // namespace ponet::nn
