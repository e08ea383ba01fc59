// Argument checks shared by the PoNet pooling ops (max_pool1d, segment_max, masked_mean, ponet_mixer).
#pragma once
#include "core/error.h"
#include "core/tensor.h"

namespace ponet::detail {

// x must be float32 (B, L, C).
inline void check_blc(const Tensor& x, const char* op, const char* arg) {
  check_dtype(x, DType::F32, op, arg);
  check_dim(x, 3, op, arg);
}

// t must be int64 (B, L) on x's device.
inline void check_row_ids(const Tensor& t, const Tensor& x, const char* op, const char* arg) {
  check_dtype(t, DType::I64, op, arg);
  check_shape(t, {x.size(0), x.size(1)}, op, arg);
  check_same_device(t, x, op);
}

// Every row of a (B, L) 0/1 mask (host memory) has at least one real position.
inline void check_rows_have_real(const int64_t* mask, int64_t B, int64_t L, const char* op) {
  for (int64_t b = 0; b < B; ++b) {
    int64_t n = 0;
    for (int64_t l = 0; l < L; ++l) n += mask[b * L + l] != 0;
    PONET_CHECK(n > 0, op, ": row ", b, " of the mask has no real position (the mean divides by their count)");
  }
}
inline void check_rows_have_real(const std::vector<int64_t>& mask, int64_t B, int64_t L, const char* op) {
  check_rows_have_real(mask.data(), B, L, op);
}

}  // namespace ponet::detail
