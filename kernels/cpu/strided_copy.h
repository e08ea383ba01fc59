// Gathers a strided view into a contiguous buffer: out[i] = in[offset(i)] in row-major order of
// `shape`. Used by contiguous(), by broadcasting (0 strides) and by host copies of views.
#pragma once
#include <cstdint>
#include <vector>

namespace ponet::cpu {

template <class T>
void strided_copy(T* out, const T* in, const std::vector<int64_t>& shape,
                  const std::vector<int64_t>& in_strides);

}  // namespace ponet::cpu
