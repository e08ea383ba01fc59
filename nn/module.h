// Module: the base of every layer. A module owns named parameters and named child modules, both in
// registration order, so named_parameters() has a stable order and HF-style dotted names
// ("encoder.layer.0.attention.self.dense_q.weight"). State dicts map those names to tensors.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace ponet::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  virtual ~Module() = default;

  // Every parameter of this module and its children, depth first in registration order.
  NamedTensors named_parameters() const;
  std::vector<Tensor> parameters() const;
  int64_t num_parameters() const;

  // Train mode turns dropout on; eval mode off. Applies to all children.
  void train(bool on = true);
  void eval() { train(false); }
  bool training() const { return training_; }

  // Copies values into the existing parameters (their storage and device are kept). strict: every
  // parameter must be present and nothing else may be; shapes must match. Errors name the tensor.
  void load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);

  void zero_grad();
  // Moves every parameter to `device` (keeps requires_grad).
  void to(Device device);

 protected:
  // Registers a leaf parameter (requires_grad is set) and returns it.
  Tensor register_parameter(const std::string& name, Tensor value);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> child) {
    children_.emplace_back(name, child);
    return child;
  }

 private:
  void collect(const std::string& prefix, NamedTensors& out) const;
  std::vector<std::pair<std::string, Tensor>> params_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// A module that only groups others (and maybe a bare parameter) under a name, so that dotted names
// match the official model's nesting (e.g. "attention.self", "cls.predictions.bias").
class Container : public Module {
 public:
  using Module::register_module;
  using Module::register_parameter;
};

}  // namespace ponet::nn
