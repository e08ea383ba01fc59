// The graph: every differentiable op that runs while grad mode is on and has an input requiring a
// gradient attaches a Node to its output. The Node keeps one Edge per input: where that input's
// gradient goes (the node that produced it, or the leaf whose .grad collects it) and its shape, but not
// the input's data, so an intermediate tensor lives only as long as something that needs its values
// (a backward closure that captured it, or the caller) holds it. A closure maps the gradient of the
// output to the gradients of the inputs.
//
// Rule for closures: capture exactly the tensors backward reads (that is what keeps them alive), and
// capture the op's *output* only as output.detach(), otherwise output -> node -> output is a reference
// cycle and leaks.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ponet::autograd {

using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

struct Node;

// Where one input's gradient goes. fn set: the input was computed by fn (one node per output tensor).
// leaf set: the input is a leaf that requires a gradient (a parameter); the engine adds into its .grad.
// Neither: the input needs no gradient (its entry from backward is ignored).
struct Edge {
  std::shared_ptr<Node> fn;
  std::shared_ptr<TensorImpl> leaf;
  Shape shape;  // the input's shape: its gradient must have it
  bool wants_grad() const { return fn || leaf; }
};

struct Node {
  std::string name;         // the op's name, for error messages and graph dumps
  std::vector<Edge> edges;  // one per input, in the op's input order
  BackwardFn backward;      // returns grads aligned with the inputs; undefined Tensor = no gradient
};

// Attaches a node to `output` when grad mode is on and any input requires a gradient; returns output.
// The backward closure runs with grad mode off and must return one entry per input, each either
// undefined or shaped exactly like that input.
Tensor record(const char* name, Tensor output, const std::vector<Tensor>& inputs, BackwardFn backward);

// True when recording a node for these inputs would happen.
bool needs_grad(const std::vector<Tensor>& inputs);

}  // namespace ponet::autograd
