// Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_): when the L2 norm of all gradients
// taken together exceeds max_norm, every gradient is scaled by max_norm / (norm + 1e-6).
#pragma once
#include <vector>

#include "core/tensor.h"

namespace ponet::train {

// Returns the global norm before clipping (accumulated in double). Parameters without a gradient are
// skipped; gradients may be on any device. max_norm must be finite and > 0. A non-finite norm is
// returned as is and leaves the gradients untouched (the caller decides to skip the step).
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm);

// The same global norm, gradients left as they are (a run without clipping still logs it).
double grad_norm(const std::vector<Tensor>& params);

}  // namespace ponet::train
