// A SegmentLayout (kernels/cpu/segment_layout.h) together with copies of its arrays on the device
// that will use it, so CUDA kernels can walk segments the same way the CPU ones do.
#pragma once
#include <memory>

#include "core/tensor.h"
#include "kernels/cpu/segment_layout.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/segment_max.cuh"
#endif

namespace ponet::detail {

struct SegmentLayoutTensors {
  cpu::SegmentLayout host;
  Tensor compact, order, start;  // on the device (undefined for CPU)
#ifdef PONET_WITH_CUDA
  cuda::SegmentLayoutView device_view() const {
    return {host.B, host.L, host.K, compact.data<int64_t>(), order.data<int64_t>(), start.data<int64_t>()};
  }
#endif
};

inline std::shared_ptr<SegmentLayoutTensors> make_segment_layout(const Tensor& segment_ids, Device device) {
  auto s = std::make_shared<SegmentLayoutTensors>();
  Tensor ids = contiguous(segment_ids.detach()).to(Device::cpu());
  s->host = cpu::build_segment_layout(ids.data<int64_t>(), ids.size(0), ids.size(1));
  if (device.is_cuda()) {
    s->compact = Tensor::from_vector_i64(s->host.compact, {s->host.B, s->host.L}, device);
    s->order = Tensor::from_vector_i64(s->host.order, {s->host.B, s->host.L}, device);
    s->start = Tensor::from_vector_i64(s->host.start, {s->host.B, s->host.K + 1}, device);
  }
  return s;
}

}  // namespace ponet::detail
