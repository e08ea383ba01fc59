// The fused PoNet mixer (autograd/ops.h: ponet_mixer) written as plain loops in double, straight from the
// semantics in docs/ponet_mixer_spec.md: GA (masked mean of q, per-head scores with k, softmax over the
// real positions, values = k), SMP over each segment, LMP over a window of 3, the special-token rule and
// PF, padded rows zero. `branches` drops GA, SMP or LMP from PF, the paper's ablation: the removed term
// is left out of the sum, y = (ga v + smp s) * o + lmp l with the flags as 0/1. Used by the op table,
// tests/test_ponet_mixer.cpp and tests/test_ponet_branches.cpp.
#pragma once
#include <vector>

#include "core/tensor.h"
#include "kernels/ponet_branches.h"

namespace ponet::ops_table {

// q, k, o, local, segment [B, L, D] float32; valid, segment_ids [B, L] int64; special [B, L] or undefined.
std::vector<double> naive_ponet_mixer(const Tensor& q, const Tensor& k, const Tensor& o, const Tensor& local,
                                      const Tensor& segment, const Tensor& valid, const Tensor& segment_ids,
                                      const Tensor& special, int64_t heads, const PoNetBranches& branches = {});

}  // namespace ponet::ops_table
