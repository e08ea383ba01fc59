// Activation checkpointing: recomputation in backward instead of keeping a sub-graph's intermediates.
//
// checkpoint(name, fn, inputs, rng) runs fn(inputs) with recording off, so nothing inside fn keeps its
// tensors for backward; the node it records keeps only the inputs. When the gradient arrives, backward
// runs fn again from those inputs with recording on (with `rng` in the state fn started from, so dropout
// inside draws the same masks) and backpropagates the gradient through that fresh graph: parameters used
// inside fn get their gradients there, the inputs' gradients flow on. The price is one more forward of fn
// per backward. fn must be a pure function of its inputs, its parameters, rng and what it captured (a
// data-parallel rank's dropout rows, autograd/dropout_rows.h, travel inside fn's captured context).
#pragma once
#include <functional>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"

namespace ponet::autograd {

using CheckpointFn = std::function<Tensor(const std::vector<Tensor>& inputs)>;

// With grad mode off, or no input requiring a gradient, this is fn(inputs) recorded as usual (so
// parameters inside fn still get gradients when only they require one).
Tensor checkpoint(const char* name, CheckpointFn fn, const std::vector<Tensor>& inputs, Rng* rng = nullptr);

}  // namespace ponet::autograd

namespace ponet {
using autograd::checkpoint;
}
