// The model-size rows (`test_ops device --large`): the shapes a training run on a GPU reaches, kept out
// of the table because their CPU side takes seconds and gigabytes. Device mode only: each row runs on
// the CPU and on CUDA and compares the two, forward and every input gradient (scripts/gpu_check.sh,
// stage ops, runs them one process per op).
#pragma once
#include <vector>

#include "tests/ops_table/op_case.h"

namespace ponet::ops_table {

// Made on demand, not registered at start-up, so that a run of the table allocates none of it.
std::vector<OpCase> large_rows();

}  // namespace ponet::ops_table
