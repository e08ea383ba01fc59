// Elementwise a (op) b with broadcasting. Strides are broadcast strides in elements (0 on broadcast
// dims) of `a` and `b` read as tensors of `shape`; `out` is contiguous of `shape`.
#pragma once
#include <cstdint>
#include <vector>

namespace ponet::cpu {

enum class BinaryOp { Add, Sub, Mul, Div };

void binary_forward(BinaryOp op, float* out, const float* a, const std::vector<int64_t>& a_strides,
                    const float* b, const std::vector<int64_t>& b_strides,
                    const std::vector<int64_t>& shape);

// The plain version: one flat loop with the full index decomposition per element. binary_forward must
// equal it bit for bit (tests/test_binary.cpp); both can be timed side by side.
void binary_forward_reference(BinaryOp op, float* out, const float* a,
                              const std::vector<int64_t>& a_strides, const float* b,
                              const std::vector<int64_t>& b_strides, const std::vector<int64_t>& shape);

}  // namespace ponet::cpu
