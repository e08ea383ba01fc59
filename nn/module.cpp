#include "nn/module.h"

#include <set>

#include "core/allocator.h"
#include "core/error.h"

namespace ponet::nn {

Tensor Module::register_parameter(const std::string& name, Tensor value) {
  for (auto& [n, t] : params_) PONET_CHECK(n != name, "Module: parameter '", name, "' registered twice");
  value.set_requires_grad(true);
  params_.emplace_back(name, value);
  return value;
}

void Module::collect(const std::string& prefix, NamedTensors& out) const {
  for (auto& [name, t] : params_) out.emplace_back(prefix + name, t);
  for (auto& [name, child] : children_) child->collect(prefix + name + ".", out);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters()) out.push_back(t);
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (auto& [name, t] : named_parameters()) n += t.numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (auto& [name, t] : named_parameters()) t.zero_grad();
}

void Module::load_state_dict(const std::map<std::string, Tensor>& state, bool strict) {
  std::set<std::string> used;
  for (auto& [name, param] : named_parameters()) {
    auto it = state.find(name);
    if (it == state.end()) {
      PONET_CHECK(!strict, "load_state_dict: missing parameter '", name, "' ", param.shape_str());
      continue;
    }
    const Tensor& src = it->second;
    PONET_CHECK(src.dtype() == DType::F32, "load_state_dict: '", name, "' must be float32, got ", src.describe());
    PONET_CHECK(src.shape() == param.shape(), "load_state_dict: '", name, "' has shape ", src.shape_str(),
                ", the model expects ", param.shape_str());
    Tensor value = src.contiguous().to(param.device());
    copy_bytes(param.raw_data(), param.device(), value.raw_data(), value.device(),
               static_cast<size_t>(param.numel()) * sizeof(float));
    used.insert(name);
  }
  if (strict) {
    for (auto& [name, t] : state)
      PONET_CHECK(used.count(name), "load_state_dict: unexpected tensor '", name, "' ", t.shape_str(),
                  " (the model has no such parameter)");
  }
}

void Module::to(Device device) {
  for (auto& [name, t] : params_) {
    if (t.device() == device) continue;
    Tensor moved = t.detach().to(device);
    // swap the storage under the same handle so that every holder of the parameter sees the move
    TensorImpl* impl = t.impl();
    impl->storage = moved.impl()->storage;
    impl->offset = 0;
    impl->strides = contiguous_strides(impl->shape);
    impl->grad.reset();
  }
  for (auto& [name, child] : children_) child->to(device);
}

}  // namespace ponet::nn
