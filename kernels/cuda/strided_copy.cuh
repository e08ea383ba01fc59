// CUDA twin of kernels/cpu/strided_copy.h, for any element size (4 or 8 bytes).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ponet::cuda {

// out (contiguous, row-major of shape) <- in read with in_strides (elements)
void strided_copy(void* out, const void* in, size_t elem_size, const std::vector<int64_t>& shape,
                  const std::vector<int64_t>& in_strides);
// the inverse: out read with out_strides <- in (contiguous)
void strided_scatter(void* out, const void* in, size_t elem_size, const std::vector<int64_t>& shape,
                     const std::vector<int64_t>& out_strides);

}  // namespace ponet::cuda
