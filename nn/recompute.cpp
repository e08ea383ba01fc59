#include "nn/recompute.h"

#include "autograd/checkpoint.h"
#include "core/error.h"

namespace ponet::nn {

Recompute parse_recompute(const std::string& name) {
  for (Recompute r : {Recompute::none, Recompute::gelu, Recompute::ffn, Recompute::all})
    if (name == recompute_name(r)) return r;
  fail("recompute: unknown level '", name, "' (none, gelu, ffn or all)");
}

const char* recompute_name(Recompute r) {
  switch (r) {
    case Recompute::none: return "none";
    case Recompute::gelu: return "gelu";
    case Recompute::ffn: return "ffn";
    case Recompute::all: return "all";
  }
  return "?";
}

RecomputedParts recomputed_parts(Recompute r) {
  switch (r) {
    case Recompute::none: return {};
    case Recompute::gelu: return {false, false, true};
    case Recompute::ffn: return {false, true, false};
    case Recompute::all: return {true, true, false};
  }
  return {};
}

Tensor recomputed(bool recompute, const char* name, const PartFn& fn, const Tensor& input, Rng* rng) {
  if (!recompute) return fn(input);
  return checkpoint(name, [fn](const std::vector<Tensor>& in) { return fn(in[0]); }, {input}, rng);
}

}  // namespace ponet::nn
