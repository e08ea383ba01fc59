// convert_dtype: float32 <-> bfloat16 storage conversion (autograd/ops.h). Not differentiable: bf16 tensors are storage
// only (core/dtype.h), so the result is a new tensor outside the graph. CUDA tensors are converted through the host
// (files are the only bf16 tensors: their bytes pass the host anyway).
#include "kernels/cpu/convert_dtype.h"

#include "autograd/ops.h"
#include "core/error.h"

namespace ponet {

Tensor convert_dtype(const Tensor& x_in, DType to) {
  PONET_CHECK(x_in.defined(), "convert_dtype: undefined tensor");
  const DType from = x_in.dtype();
  if (from == to) return x_in.detach();
  const bool supported = (from == DType::F32 && to == DType::BF16) || (from == DType::BF16 && to == DType::F32);
  PONET_CHECK(supported, "convert_dtype: ", dtype_name(from), " -> ", dtype_name(to),
              " is not supported (only float32 <-> bfloat16)");
  const Device device = x_in.device();
  const Tensor x = contiguous(x_in.detach()).to(Device::cpu());
  Tensor out = Tensor::empty(x.shape(), to, Device::cpu());
  if (to == DType::BF16)
    cpu::float_to_bf16(out.data<BFloat16>(), x.data<float>(), x.numel());
  else
    cpu::bf16_to_float(out.data<float>(), x.data<BFloat16>(), x.numel());
  return out.to(device);
}

}  // namespace ponet
