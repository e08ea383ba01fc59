#include "core/tensor.h"

#include <sstream>

#include "core/error.h"

namespace ponet {

namespace {
std::shared_ptr<TensorImpl> new_impl(const Shape& shape, DType dtype, Device device) {
  for (int64_t s : shape) PONET_CHECK(s >= 0, "Tensor: negative size in shape ", shape_str(shape));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype), device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return impl;
}
}  // namespace

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  return Tensor(new_impl(shape, dtype, device));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  zero_bytes(t.impl_->storage->data(), t.impl_->storage->nbytes(), device);
  return t;
}

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)), value);
  return from_vector(v, shape, device);
}

Tensor Tensor::from_vector(const std::vector<float>& values, const Shape& shape, Device device) {
  PONET_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape), "Tensor::from_vector: ",
              values.size(), " values for shape ", ponet::shape_str(shape));
  Tensor t = empty(shape, DType::F32, device);
  copy_bytes(t.impl_->storage->data(), device, values.data(), Device::cpu(), values.size() * 4);
  return t;
}

Tensor Tensor::from_vector_i64(const std::vector<int64_t>& values, const Shape& shape, Device device) {
  PONET_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape), "Tensor::from_vector_i64: ",
              values.size(), " values for shape ", ponet::shape_str(shape));
  Tensor t = empty(shape, DType::I64, device);
  copy_bytes(t.impl_->storage->data(), device, values.data(), Device::cpu(), values.size() * 8);
  return t;
}

Tensor Tensor::randn(const Shape& shape, Rng& rng, float mean, float stddev) {
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  for (float& x : v) x = rng.normal(mean, stddev);
  return from_vector(v, shape);
}

Tensor Tensor::uniform(const Shape& shape, Rng& rng, float lo, float hi) {
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  for (float& x : v) x = rng.uniform(lo, hi);
  return from_vector(v, shape);
}

Tensor Tensor::arange_i64(int64_t n, Device device) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = i;
  return from_vector_i64(v, {n}, device);
}

void Tensor::check_defined(const char* what) const {
  PONET_CHECK(impl_ != nullptr, "Tensor::", what, ": the tensor is undefined");
}

const Shape& Tensor::shape() const {
  check_defined("shape");
  return impl_->shape;
}
const std::vector<int64_t>& Tensor::strides() const {
  check_defined("strides");
  return impl_->strides;
}
int64_t Tensor::offset() const {
  check_defined("offset");
  return impl_->offset;
}
int64_t Tensor::size(int64_t d) const { return shape()[wrap_dim(d, dim(), "Tensor::size")]; }
DType Tensor::dtype() const {
  check_defined("dtype");
  return impl_->dtype;
}
Device Tensor::device() const {
  check_defined("device");
  return impl_->storage->device();
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = shape().size(); i-- > 0;) {
    if (impl_->shape[i] != 1 && impl_->strides[i] != expected) return false;
    expected *= impl_->shape[i];
  }
  return true;
}

std::string Tensor::describe() const {
  if (!defined()) return "undefined tensor";
  std::ostringstream os;
  os << dtype_name(dtype()) << shape_str() << " on " << device().str();
  return os.str();
}



void* Tensor::raw_data() const {
  check_defined("raw_data");
  return static_cast<char*>(impl_->storage->data()) + impl_->offset * static_cast<int64_t>(dtype_size(impl_->dtype));
}

bool Tensor::requires_grad() const { return impl_ && impl_->requires_grad; }

Tensor& Tensor::set_requires_grad(bool flag) {
  check_defined("set_requires_grad");
  PONET_CHECK(!flag || dtype() == DType::F32, "set_requires_grad: only float32 tensors can require grad, got ",
              describe());
  PONET_CHECK(is_leaf(), "set_requires_grad: only leaf tensors (not outputs of ops) can be changed");
  impl_->requires_grad = flag;
  return *this;
}

Tensor Tensor::grad() const {
  check_defined("grad");
  return impl_->grad ? Tensor(impl_->grad) : Tensor();
}

void Tensor::set_grad(const Tensor& g) const {
  check_defined("set_grad");
  if (g.defined()) check_shape(g, shape(), "set_grad", "gradient");
  impl_->grad = g.impl_ptr();
}

void Tensor::zero_grad() const {
  check_defined("zero_grad");
  impl_->grad.reset();
}

const std::shared_ptr<autograd::Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<autograd::Node> none;
  return impl_ ? impl_->grad_fn : none;
}


Tensor Tensor::detach() const {
  check_defined("detach");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->shape = impl_->shape;
  impl->strides = impl_->strides;
  impl->offset = impl_->offset;
  impl->dtype = impl_->dtype;
  return Tensor(impl);
}

Tensor make_view(const Tensor& base, const Shape& shape, const std::vector<int64_t>& strides, int64_t offset) {
  Tensor v = base.detach();
  v.impl()->shape = shape;
  v.impl()->strides = strides;
  v.impl()->offset = offset;
  return v;
}

void check_dtype(const Tensor& t, DType dtype, const char* op, const char* arg) {
  PONET_CHECK(t.defined(), op, ": ", arg, " is undefined");
  PONET_CHECK(t.dtype() == dtype, op, ": ", arg, " must be ", dtype_name(dtype), ", got ", t.describe());
}

void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  PONET_CHECK(a.device() == b.device(), op, ": tensors on different devices (", a.device().str(), " and ",
              b.device().str(), ")");
}

void check_shape(const Tensor& t, const Shape& expected, const char* op, const char* arg) {
  PONET_CHECK(t.defined(), op, ": ", arg, " is undefined");
  PONET_CHECK(t.shape() == expected, op, ": ", arg, " must have shape ", shape_str(expected), ", got ",
              t.shape_str());
}

void check_dim(const Tensor& t, int64_t ndim, const char* op, const char* arg) {
  PONET_CHECK(t.defined(), op, ": ", arg, " is undefined");
  PONET_CHECK(t.dim() == ndim, op, ": ", arg, " must have ", ndim, " dims, got ", t.shape_str());
}

}  // namespace ponet
