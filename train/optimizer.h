// AdamW (Loshchilov & Hutter): Adam moments with bias correction, and weight decay applied directly to
// the weights (decoupled), only to the parameters `decays` selects (by default not to biases and
// LayerNorm parameters, as in BERT). The learning rate is passed to every step by the schedule.
#pragma once
#include <functional>
#include <map>
#include <string>

#include "nn/module.h"

namespace ponet::train {

struct AdamWOptions {
  float lr = 1e-3f;  // informational: step() takes the current rate
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.01f;
};

// True for parameters that get weight decay: everything but biases and LayerNorm weights.
bool default_decay_rule(const std::string& name);

class AdamW {
 public:
  AdamW(nn::NamedTensors params, AdamWOptions options,
        std::function<bool(const std::string&)> decays = default_decay_rule);

  // One update with learning rate lr; parameters without a gradient are left alone.
  void step(float lr);
  void zero_grad();
  int64_t steps_taken() const { return steps_; }

  // "exp_avg.<name>" and "exp_avg_sq.<name>" for every parameter, for checkpoints.
  nn::NamedTensors state() const;
  void load_state(const std::map<std::string, Tensor>& state, int64_t steps_taken);

 private:
  struct Slot {
    std::string name;
    Tensor param, exp_avg, exp_avg_sq;
    bool decay;
  };
  std::vector<Slot> slots_;
  AdamWOptions options_;
  int64_t steps_ = 0;
};

}  // namespace ponet::train
