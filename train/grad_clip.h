// Global gradient-norm clipping: if the L2 norm over all gradients exceeds max_norm, every gradient is
// scaled by max_norm / norm. Returns the norm before clipping (computed in double).
#pragma once
#include <vector>

#include "core/tensor.h"

namespace ponet::train {

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm);

}  // namespace ponet::train
