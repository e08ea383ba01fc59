// CUDA twin of kernels/cpu/binary.h. op: 0 add, 1 sub, 2 mul, 3 div (cpu::BinaryOp's order).
#pragma once
#include <cstdint>
#include <vector>

namespace ponet::cuda {

void binary_forward(int op, float* out, const float* a, const std::vector<int64_t>& a_strides, const float* b,
                    const std::vector<int64_t>& b_strides, const std::vector<int64_t>& shape);

}  // namespace ponet::cuda
