// Tensor: a shared handle to a strided view of a Storage, plus the autograd fields.
//
// Copying a Tensor copies the handle (like torch): both names see the same data and gradient.
// Views (reshape of a contiguous tensor, transpose, permute, slice) share storage; contiguous() copies
// only when the layout is not already row-major. The differentiable view ops live in autograd/ops.h;
// the methods here that return views are thin calls to them, defined in autograd/tensor_methods.cpp.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "core/rng.h"
#include "core/shape.h"
#include "core/storage.h"

namespace ponet {

namespace autograd {
struct Node;
}

struct TensorImpl;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- creation -------------------------------------------------------------------------------
  static Tensor empty(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  static Tensor zeros(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  static Tensor full(const Shape& shape, float value, Device device = Device::cpu());
  static Tensor ones(const Shape& shape, Device device = Device::cpu()) { return full(shape, 1.f, device); }
  static Tensor from_vector(const std::vector<float>& values, const Shape& shape,
                            Device device = Device::cpu());
  static Tensor from_vector_i64(const std::vector<int64_t>& values, const Shape& shape,
                                Device device = Device::cpu());
  static Tensor scalar(float value, Device device = Device::cpu()) { return from_vector({value}, {}, device); }
  static Tensor randn(const Shape& shape, Rng& rng, float mean = 0.f, float stddev = 1.f);
  static Tensor uniform(const Shape& shape, Rng& rng, float lo = 0.f, float hi = 1.f);
  static Tensor arange_i64(int64_t n, Device device = Device::cpu());

  // ---- metadata -------------------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  const std::vector<int64_t>& strides() const;
  int64_t offset() const;  // in elements
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t numel() const { return shape_numel(shape()); }
  DType dtype() const;
  Device device() const;
  bool is_contiguous() const;
  std::string shape_str() const { return ponet::shape_str(shape()); }
  std::string describe() const;  // "float32[3, 24] on cpu"

  // ---- data -----------------------------------------------------------------------------------
  // Pointer to the first element of this view (already offset). Checks the dtype matches T.
  template <class T>
  T* data() const;
  // Copies to host and returns the elements in row-major order (works for any layout and device).
  std::vector<float> to_vector() const;
  std::vector<int64_t> to_vector_i64() const;
  float item() const;  // the value of a one-element float tensor
  void* raw_data() const;  // untyped pointer to the first element of this view

  // ---- layout (differentiable; see autograd/ops.h) -----------------------------------------------
  Tensor reshape(const Shape& shape) const;  // one dim may be -1
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end) const;  // [start, end) along dim
  Tensor contiguous() const;
  Tensor to(Device device) const;  // copy to another device (differentiable); same device: itself
  Tensor clone() const;            // a contiguous copy that does not share storage (not differentiable)

  // ---- autograd -------------------------------------------------------------------------------
  bool requires_grad() const;
  Tensor& set_requires_grad(bool flag);
  Tensor grad() const;  // undefined until a backward pass reaches this leaf
  void set_grad(const Tensor& g) const;
  void zero_grad() const;  // drops the gradient
  const std::shared_ptr<autograd::Node>& grad_fn() const;
  bool is_leaf() const { return grad_fn() == nullptr; }
  // Backpropagates from this tensor. Without an argument it must hold one element (seeded with 1).
  void backward(const Tensor& grad_output = Tensor()) const;
  // A handle to the same data, cut from the graph (no grad_fn, requires_grad false).
  Tensor detach() const;

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  void check_defined(const char* what) const;
  std::shared_ptr<TensorImpl> impl_;
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  std::vector<int64_t> strides;
  int64_t offset = 0;
  DType dtype = DType::F32;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;
  std::shared_ptr<autograd::Node> grad_fn;
};

// A view of `base`'s storage with a new shape/strides/offset (no autograd, no checks beyond bounds).
Tensor make_view(const Tensor& base, const Shape& shape, const std::vector<int64_t>& strides, int64_t offset);

// Throw helpers shared by ops: they name the op and describe the offending tensor.
void check_dtype(const Tensor& t, DType dtype, const char* op, const char* arg);
void check_same_device(const Tensor& a, const Tensor& b, const char* op);
void check_shape(const Tensor& t, const Shape& expected, const char* op, const char* arg);
void check_dim(const Tensor& t, int64_t ndim, const char* op, const char* arg);

template <class T>
T* Tensor::data() const {
  check_defined("data");
  if (dtype_of<T>() != impl_->dtype) check_dtype(*this, dtype_of<T>(), "data", "tensor");
  return static_cast<T*>(impl_->storage->data()) + impl_->offset;
}

}  // namespace ponet
