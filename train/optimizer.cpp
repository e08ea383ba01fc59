#include "train/optimizer.h"

#include <cmath>

#include "core/dispatch.h"
#include "core/error.h"
#include "kernels/cpu/adamw.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/adamw.cuh"
#endif

namespace ponet::train {

bool default_decay_rule(const std::string& name) {
  auto ends_with = [&](const std::string& s) {
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return !ends_with("bias") && name.find("LayerNorm") == std::string::npos &&
         name.find("layer_norm") == std::string::npos;
}

AdamW::AdamW(nn::NamedTensors params, AdamWOptions options, std::function<bool(const std::string&)> decays)
    : options_(options) {
  PONET_CHECK(options.beta1 >= 0 && options.beta1 < 1 && options.beta2 >= 0 && options.beta2 < 1,
              "AdamW: betas must be in [0, 1)");
  PONET_CHECK(options.eps > 0 && options.weight_decay >= 0, "AdamW: eps must be positive, weight_decay >= 0");
  for (auto& [name, p] : params) {
    check_dtype(p, DType::F32, "AdamW", name.c_str());
    PONET_CHECK(p.is_contiguous(), "AdamW: parameter ", name, " must be contiguous");
    slots_.push_back({name, p, Tensor::zeros(p.shape(), DType::F32, p.device()),
                      Tensor::zeros(p.shape(), DType::F32, p.device()), decays(name)});
  }
}

void AdamW::step(float lr) {
  ++steps_;
  const float bc1 = 1.f - std::pow(options_.beta1, static_cast<float>(steps_));
  const float bc2 = 1.f - std::pow(options_.beta2, static_cast<float>(steps_));
  for (Slot& s : slots_) {
    Tensor g = s.param.grad();
    if (!g.defined()) continue;
    g = g.contiguous();
    const float wd = s.decay ? options_.weight_decay : 0.f;
    float* p = s.param.data<float>();
    if (s.param.device().is_cuda()) {
      PONET_ON_CUDA(cuda::adamw_update(p, g.data<float>(), s.exp_avg.data<float>(), s.exp_avg_sq.data<float>(),
                                       s.param.numel(), lr, options_.beta1, options_.beta2, options_.eps, wd, bc1, bc2));
    } else {
      cpu::adamw_update(p, g.data<float>(), s.exp_avg.data<float>(), s.exp_avg_sq.data<float>(), s.param.numel(), lr,
                        options_.beta1, options_.beta2, options_.eps, wd, bc1, bc2);
    }
  }
}

void AdamW::zero_grad() {
  for (Slot& s : slots_) s.param.zero_grad();
}

nn::NamedTensors AdamW::state() const {
  nn::NamedTensors out;
  for (const Slot& s : slots_) {
    out.emplace_back("exp_avg." + s.name, s.exp_avg);
    out.emplace_back("exp_avg_sq." + s.name, s.exp_avg_sq);
  }
  return out;
}

void AdamW::load_state(const std::map<std::string, Tensor>& state, int64_t steps_taken) {
  PONET_CHECK(steps_taken >= 0, "AdamW::load_state: negative step count");
  PONET_CHECK(state.size() == 2 * slots_.size(), "AdamW::load_state: ", state.size(), " tensors for ",
              slots_.size(), " parameters (expected exp_avg and exp_avg_sq for each)");
  for (Slot& s : slots_) {
    for (auto [prefix, dst] : {std::pair{"exp_avg.", &s.exp_avg}, {"exp_avg_sq.", &s.exp_avg_sq}}) {
      auto it = state.find(prefix + s.name);
      PONET_CHECK(it != state.end(), "AdamW::load_state: missing ", prefix, s.name);
      check_dtype(it->second, DType::F32, "AdamW::load_state", (prefix + s.name).c_str());
      check_shape(it->second, s.param.shape(), "AdamW::load_state", (prefix + s.name).c_str());
      *dst = it->second.contiguous().to(s.param.device()).clone();
    }
  }
  steps_ = steps_taken;
}

}  // namespace ponet::train
