// What the fused PoNet mixer needs about one batch besides the layer's activations: the masks and the
// segment layout, built once per forward (on the host, then uploaded once) and shared by every layer.
#pragma once
#include <memory>

#include "autograd/ops/segment_layout_tensors.h"
#include "core/tensor.h"

namespace ponet {

struct PoNetMixerBatch {
  int64_t B = 0, L = 0;
  Tensor valid;    // int64 [B, L] on the device, contiguous
  Tensor special;  // int64 [B, L] on the device, or undefined (special-token rule off)
  std::shared_ptr<detail::SegmentLayoutTensors> segments;
};

}  // namespace ponet
