// AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization"), as torch.optim.AdamW computes it,
// over a model's named parameters. The update itself is the adamw_update kernel (kernels/cpu/adamw.h,
// kernels/cuda/adamw.cuh), run on the device each parameter lives on.
//
// Weight decay is applied only to the parameters a predicate selects; the default follows BERT/PoNet
// pre-training: no decay for biases and LayerNorm parameters.
//
// State: two moment buffers per parameter (exp_avg = m, exp_avg_sq = v), on the parameter's device, and
// one step counter shared by all parameters (bias correction uses it; parameters that receive no
// gradient in a step are left untouched, moments included, but the counter still advances).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "core/tensor.h"
#include "nn/module.h"

namespace ponet::train {

struct AdamWOptions {
  float lr = 1e-3f;  // used by step() without an argument
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.01f;
};

// True for names that get weight decay: everything except names ending in "bias" or containing
// "LayerNorm" (the Hugging Face naming of PoNet's parameters).
bool default_weight_decay_filter(const std::string& name);

class AdamW {
 public:
  using DecayFilter = std::function<bool(const std::string& name)>;

  // Parameters must be defined, float32, contiguous and uniquely named. The tensors are held by
  // handle, so updates land in the model's own parameters.
  AdamW(nn::NamedTensors params, AdamWOptions options = {}, DecayFilter decays = default_weight_decay_filter);

  // One update of every parameter that has a gradient, with learning rate lr (from the schedule).
  void step(float lr);
  void step() { step(options_.lr); }
  // Changes beta1 from the next step on (OneCycleLR cycles it; bias correction then uses the current
  // beta1, as torch.optim.AdamW does).
  void set_beta1(float beta1);
  void zero_grad();
  int64_t steps_taken() const { return steps_taken_; }
  const AdamWOptions& options() const { return options_; }
  bool decays(const std::string& name) const;

  // Copies of the moments, named "exp_avg.<param>" and "exp_avg_sq.<param>", in parameter order.
  nn::NamedTensors state() const;
  // Restores moments saved by state() (copied to each parameter's device) and the step counter.
  // Every parameter's two entries must be present with the parameter's shape and float32; entries
  // named exp_avg.* / exp_avg_sq.* for unknown parameters are errors; other names are ignored.
  void load_state(const std::map<std::string, Tensor>& state, int64_t steps_taken);

 private:
  struct Slot {
    std::string name;
    Tensor param, exp_avg, exp_avg_sq;
    bool decay = false;
  };
  std::vector<Slot> slots_;
  AdamWOptions options_;
  int64_t steps_taken_ = 0;
};

}  // namespace ponet::train
