// Reverse-mode engine: topologically orders the graph below a root and runs every node's backward
// once, summing the gradients that reach a tensor along several paths. Leaves that require a gradient
// accumulate into .grad() (across backward calls too, until zero_grad()).
#pragma once
#include "core/tensor.h"

namespace ponet::autograd {

// grad_output: undefined means "root is a one-element tensor, seed with 1".
void backward(const Tensor& root, const Tensor& grad_output = Tensor());

}  // namespace ponet::autograd
