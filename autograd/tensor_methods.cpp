// The Tensor methods that run ops or the engine: reading values (a device copy and a contiguous copy),
// the layout views, clone and backward. They are declared with Tensor in core/tensor.h but defined here,
// one layer up, so that core/ depends on nothing above it.
#include "autograd/engine.h"
#include "autograd/ops.h"
#include "core/error.h"
#include "core/tensor.h"

namespace ponet {

std::vector<float> Tensor::to_vector() const {
  if (defined() && dtype() == DType::BF16) return convert_dtype(*this, DType::F32).to_vector();  // exact
  check_dtype(*this, DType::F32, "to_vector", "tensor");
  Tensor c = ponet::contiguous(detach()).to(Device::cpu());
  const float* p = c.data<float>();
  return std::vector<float>(p, p + c.numel());
}

std::vector<int64_t> Tensor::to_vector_i64() const {
  check_dtype(*this, DType::I64, "to_vector_i64", "tensor");
  Tensor c = ponet::contiguous(detach()).to(Device::cpu());
  const int64_t* p = c.data<int64_t>();
  return std::vector<int64_t>(p, p + c.numel());
}

float Tensor::item() const {
  PONET_CHECK(numel() == 1, "Tensor::item: needs one element, got ", shape_str());
  return to_vector()[0];
}

Tensor Tensor::reshape(const Shape& s) const { return ponet::reshape(*this, s); }
Tensor Tensor::transpose(int64_t d0, int64_t d1) const { return ponet::transpose(*this, d0, d1); }
Tensor Tensor::permute(const std::vector<int64_t>& dims) const { return ponet::permute(*this, dims); }
Tensor Tensor::slice(int64_t d, int64_t start, int64_t end) const { return ponet::slice(*this, d, start, end); }
Tensor Tensor::contiguous() const { return ponet::contiguous(*this); }
Tensor Tensor::to(Device d) const { return ponet::to_device(*this, d); }

Tensor Tensor::clone() const {
  Tensor src = ponet::contiguous(detach());
  Tensor out = empty(shape(), dtype(), device());
  copy_bytes(out.raw_data(), device(), src.raw_data(), device(), static_cast<size_t>(numel()) * dtype_size(dtype()));
  return out;
}

void Tensor::backward(const Tensor& grad_output) const { autograd::backward(*this, grad_output); }

}  // namespace ponet
