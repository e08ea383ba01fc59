// The graph: every differentiable op that runs while grad mode is on and has an input requiring a
// gradient attaches a Node to its output. The Node keeps its inputs (the edges of the graph) and a
// closure that maps the gradient of the output to the gradients of the inputs.
//
// Rule for closures: capture inputs freely (the node holds them anyway), but capture the op's *output*
// only as output.detach(), otherwise output -> node -> output is a reference cycle and leaks.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ponet::autograd {

using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

struct Node {
  std::string name;            // the op's name, for error messages and graph dumps
  std::vector<Tensor> inputs;  // one gradient per input comes back from backward
  BackwardFn backward;         // returns grads aligned with inputs; undefined Tensor = no gradient
};

// Attaches a node to `output` when grad mode is on and any input requires a gradient; returns output.
// The backward closure runs with grad mode off and must return one entry per input, each either
// undefined or shaped exactly like that input.
Tensor record(const char* name, Tensor output, std::vector<Tensor> inputs, BackwardFn backward);

// True when recording a node for these inputs would happen.
bool needs_grad(const std::vector<Tensor>& inputs);

}  // namespace ponet::autograd
