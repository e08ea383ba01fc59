// Gathers a strided view into a contiguous buffer of its shape (kernels/cpu/strided_copy.h). No reference
// kernel beside it: the oracle is the op table's expected values, computed in double. Tested by
// tests/ops_table/ (rows "permute", "slice", "contiguous": build/test_ops value --filter
// permute,slice,contiguous); no bench of its own.
#include "kernels/cpu/strided_copy.h"

#include "core/dtype.h"

namespace ponet::cpu {

template <class T>
void strided_copy(T* out, const T* in, const std::vector<int64_t>& shape,
                  const std::vector<int64_t>& in_strides) {
  const int64_t ndim = static_cast<int64_t>(shape.size());
  if (ndim == 0) {
    out[0] = in[0];
    return;
  }
  int64_t inner = shape[ndim - 1], inner_stride = in_strides[ndim - 1];
  int64_t rows = 1;
  for (int64_t d = 0; d + 1 < ndim; ++d) rows *= shape[d];
  if (inner == 0) return;
#pragma omp parallel for schedule(static) if (rows * inner > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    // decompose the row index into the leading coordinates to find where the row starts in `in`
    int64_t rem = r, src = 0;
    for (int64_t d = ndim - 2; d >= 0; --d) {
      src += (rem % shape[d]) * in_strides[d];
      rem /= shape[d];
    }
    T* dst = out + r * inner;
    const T* s = in + src;
    if (inner_stride == 1) {
      for (int64_t i = 0; i < inner; ++i) dst[i] = s[i];
    } else {
      for (int64_t i = 0; i < inner; ++i) dst[i] = s[i * inner_stride];
    }
  }
}

template void strided_copy<float>(float*, const float*, const std::vector<int64_t>&,
                                  const std::vector<int64_t>&);
template void strided_copy<int64_t>(int64_t*, const int64_t*, const std::vector<int64_t>&,
                                    const std::vector<int64_t>&);
template void strided_copy<BFloat16>(BFloat16*, const BFloat16*, const std::vector<int64_t>&,
                                     const std::vector<int64_t>&);

}  // namespace ponet::cpu
