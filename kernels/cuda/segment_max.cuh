// CUDA twin of kernels/cpu/segment_max.h; the layout arrays live on the device.
#pragma once
#include <cstdint>

namespace ponet::cuda {

struct SegmentLayoutView {
  int64_t B, L, K;
  const int64_t* compact;  // [B, L]
  const int64_t* order;    // [B, L]
  const int64_t* start;    // [B, K + 1]
};

void segment_max_forward(float* out, int64_t* arg, const float* x, const SegmentLayoutView& seg, int64_t C);
void segment_max_backward(float* dx, const float* dout, const int64_t* arg, const SegmentLayoutView& seg, int64_t C);

}  // namespace ponet::cuda
