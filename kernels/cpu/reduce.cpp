// sum_rows over [rows, cols] and sum_middle over [outer, mid, inner], in double (kernels/cpu/reduce.h).
// Reference: sum_rows_reference / sum_middle_reference, the plain loops in this file. Tested by
// tests/ops_table/ (rows "sum", "sum_all", "mean", "mean_all", "sum_to_shape": build/test_ops value
// --filter sum,mean) and tests/test_reduce.cpp; timed inside gradient clipping by
// bench/bench_ponet_step.cpp (--result tiny).
#include "kernels/cpu/reduce.h"

#include <omp.h>

#include <algorithm>
#include <vector>

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

namespace {
// acc[i] += sum over rows [m0, m1) of the columns [0, width) of a slab whose rows are `stride` floats
// apart; rows are read in order, so the inner loops run along memory and vectorise. Each block of
// kRowBlock rows is summed in float first and then added in double: a double per element halved the
// vector width (the bias gradients ran at about half the memory bandwidth), while 8 float additions
// lose little next to the long double sum.
void accumulate_rows(double* acc, const float* slab, int64_t m0, int64_t m1, int64_t width, int64_t stride) {
  constexpr int64_t kRowBlock = 8;
  std::vector<float> block(static_cast<size_t>(width));
  float* b = block.data();
  for (int64_t m = m0; m < m1; m += kRowBlock) {
    const int64_t end = std::min(m1, m + kRowBlock);
    const float* first = slab + m * stride;
    std::copy(first, first + width, b);
    for (int64_t r = m + 1; r < end; ++r) {
      const float* row = slab + r * stride;
#pragma omp simd
      for (int64_t i = 0; i < width; ++i) b[i] += row[i];
    }
#pragma omp simd
    for (int64_t i = 0; i < width; ++i) acc[i] += b[i];
  }
}
}  // namespace

void sum_middle(float* out, const float* in, int64_t outer, int64_t mid, int64_t inner) {
  const int threads = omp_get_max_threads();
  const bool big = outer * mid * inner > 32768;
  if (outer >= threads || !big) {  // enough slabs: one thread per slab, no merging
#pragma omp parallel for schedule(static) if (big)
    for (int64_t o = 0; o < outer; ++o) {
      std::vector<double> acc(inner, 0.0);
      accumulate_rows(acc.data(), in + o * mid * inner, 0, mid, inner, inner);
      for (int64_t i = 0; i < inner; ++i) out[o * inner + i] = static_cast<float>(acc[i]);
    }
    return;
  }
  // Few slabs with many rows (a bias gradient): the rows are cut into fixed chunks and the columns into
  // fixed blocks, each (chunk, block) summed by whichever thread takes it (the decoder's bias, 1640 rows
  // of 8000, is one chunk: without the column blocks one thread summed it alone), and the chunk partials
  // are added in chunk order, so the result is the same bits for any thread count (as layer_norm's
  // column sums are).
  constexpr int64_t kChunkRows = 2048, kBlockColumns = 512;
  const int64_t chunks = (mid + kChunkRows - 1) / kChunkRows;
  const int64_t blocks = (inner + kBlockColumns - 1) / kBlockColumns;
  std::vector<double> partial(static_cast<size_t>(chunks * inner));
  for (int64_t o = 0; o < outer; ++o) {
    std::fill(partial.begin(), partial.end(), 0.0);
    const float* slab = in + o * mid * inner;
#pragma omp parallel for schedule(static)
    for (int64_t item = 0; item < chunks * blocks; ++item) {
      const int64_t ch = item / blocks, c0 = item % blocks * kBlockColumns;
      accumulate_rows(partial.data() + ch * inner + c0, slab + c0, ch * kChunkRows, std::min(mid, (ch + 1) * kChunkRows),
                      std::min(kBlockColumns, inner - c0), inner);
    }
    for (int64_t i = 0; i < inner; ++i) {
      double s = 0.0;
      for (int64_t ch = 0; ch < chunks; ++ch) s += partial[ch * inner + i];
      out[o * inner + i] = static_cast<float>(s);
    }
  }
}

void sum_middle_reference(float* out, const float* in, int64_t outer, int64_t mid, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double acc = 0.0;
      for (int64_t m = 0; m < mid; ++m) acc += in[(o * mid + m) * inner + i];
      out[o * inner + i] = static_cast<float>(acc);
    }
}

}  // namespace ponet::cpu
