#include "kernels/cpu/reduce.h"

namespace ponet::cpu {

void sum_rows(float* out, const float* in, int64_t rows, int64_t cols) {
  if (rows == 1) {  // one long row: split it across threads
    double total = 0.0;
#pragma omp parallel for reduction(+ : total) schedule(static) if (cols > 65536)
    for (int64_t j = 0; j < cols; ++j) total += in[j];
    out[0] = static_cast<float>(total);
    return;
  }
#pragma omp parallel for schedule(static) if (rows * cols > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = in + r * cols;
    double acc = 0.0;
    for (int64_t j = 0; j < cols; ++j) acc += row[j];
    out[r] = static_cast<float>(acc);
  }
}

void sum_rows_reference(float* out, const float* in, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    double acc = 0.0;
    for (int64_t j = 0; j < cols; ++j) acc += in[r * cols + j];
    out[r] = static_cast<float>(acc);
  }
}

}  // namespace ponet::cpu
