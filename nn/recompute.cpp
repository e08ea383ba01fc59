#include "nn/recompute.h"

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

}  // namespace ponet::nn
