#include "train/optimizer.h"

#include <cmath>
#include <set>

#include "autograd/ops.h"
#include "core/dispatch.h"
#include "core/error.h"
#include "kernels/cpu/adamw.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/adamw.cuh"
#endif

namespace ponet::train {

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

bool default_weight_decay_filter(const std::string& name) {
  return !ends_with(name, "bias") && name.find("LayerNorm") == std::string::npos;
}

AdamW::AdamW(nn::NamedTensors params, AdamWOptions options, DecayFilter decays) : options_(options) {
  const AdamWOptions& o = options_;
  PONET_CHECK(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1, "AdamW: betas must be in [0, 1), got (",
              o.beta1, ", ", o.beta2, ")");
  PONET_CHECK(o.eps > 0 && std::isfinite(o.eps), "AdamW: eps must be finite and > 0, got ", o.eps);
  PONET_CHECK(o.weight_decay >= 0 && std::isfinite(o.weight_decay), "AdamW: weight_decay must be finite and >= 0, got ",
              o.weight_decay);
  PONET_CHECK(o.lr >= 0 && std::isfinite(o.lr), "AdamW: lr must be finite and >= 0, got ", o.lr);
  PONET_CHECK(decays != nullptr, "AdamW: the weight-decay filter is empty");
  std::set<std::string> seen;
  for (auto& [name, p] : params) {
    PONET_CHECK(seen.insert(name).second, "AdamW: parameter name '", name, "' appears twice");
    PONET_CHECK(p.defined(), "AdamW: parameter '", name, "' is undefined");
    check_dtype(p, DType::F32, "AdamW", name.c_str());
    // The kernel updates the storage in place, so the parameter must be one dense block.
    PONET_CHECK(p.is_contiguous(), "AdamW: parameter '", name, "' (", p.describe(), ") must be contiguous");
    Slot s;
    s.name = name;
    s.param = p;
    s.exp_avg = Tensor::zeros(p.shape(), DType::F32, p.device());
    s.exp_avg_sq = Tensor::zeros(p.shape(), DType::F32, p.device());
    s.decay = decays(name);
    slots_.push_back(std::move(s));
  }
}

bool AdamW::decays(const std::string& name) const {
  for (const Slot& s : slots_)
    if (s.name == name) return s.decay;
  fail("AdamW: no parameter named '", name, "'");
}

void AdamW::step(float lr) {
  PONET_CHECK(lr >= 0 && std::isfinite(lr), "AdamW.step: lr must be finite and >= 0, got ", lr);
  const profiler::PhaseScope phase(profiler::Phase::Optimizer);
  const int64_t t = steps_taken_ + 1;
  // Bias corrections in double, then rounded once: beta^t underflows gracefully and stays exact longer.
  const float bc1 = static_cast<float>(1.0 - std::pow(static_cast<double>(options_.beta1), static_cast<double>(t)));
  const float bc2 = static_cast<float>(1.0 - std::pow(static_cast<double>(options_.beta2), static_cast<double>(t)));
  for (Slot& s : slots_) {
    Tensor g = s.param.grad();
    if (!g.defined()) continue;  // not reached by this backward pass: leave it (and its moments) alone
    check_shape(g, s.param.shape(), "AdamW.step", ("gradient of " + s.name).c_str());
    check_dtype(g, DType::F32, "AdamW.step", ("gradient of " + s.name).c_str());
    PONET_CHECK(g.device() == s.param.device(), "AdamW.step: gradient of '", s.name, "' is on ",
                g.device().str(), " but the parameter is on ", s.param.device().str());
    Tensor gc = contiguous(g.detach());
    const float wd = s.decay ? options_.weight_decay : 0.f;
    float* p = s.param.data<float>();
    float* m = s.exp_avg.data<float>();
    float* v = s.exp_avg_sq.data<float>();
    const float* gp = gc.data<float>();
    const int64_t n = s.param.numel();
    // Reads p, g, m, v and writes p, m, v; 14 FLOPs per element (m 3, v 4, the update 7 with its sqrt).
    PONET_KERNEL(s.param.device(), "adamw_update", profiler::cost(7 * profiler::kF32 * n, 14 * n),
                 cpu::adamw_update(p, gp, m, v, n, lr, options_.beta1, options_.beta2, options_.eps, wd, bc1, bc2),
                 cuda::adamw_update(p, gp, m, v, n, lr, options_.beta1, options_.beta2, options_.eps, wd, bc1, bc2));
  }
  steps_taken_ = t;
}

void AdamW::set_beta1(float beta1) {
  PONET_CHECK(beta1 >= 0 && beta1 < 1, "AdamW: beta1 must be in [0, 1), got ", beta1);
  options_.beta1 = beta1;
}

void AdamW::zero_grad() {
  for (Slot& s : slots_) s.param.zero_grad();
}

nn::NamedTensors AdamW::state() const {
  nn::NamedTensors out;
  for (const Slot& s : slots_) out.emplace_back("exp_avg." + s.name, s.exp_avg.clone());
  for (const Slot& s : slots_) out.emplace_back("exp_avg_sq." + s.name, s.exp_avg_sq.clone());
  return out;
}

void AdamW::load_state(const std::map<std::string, Tensor>& state, int64_t steps_taken) {
  PONET_CHECK(steps_taken >= 0, "AdamW.load_state: steps_taken must be >= 0, got ", steps_taken);
  // Check everything before changing anything, so a bad state leaves the optimizer as it was.
  std::set<std::string> expected;
  std::vector<std::pair<Tensor*, Tensor>> copies;
  for (Slot& s : slots_) {
    for (auto [prefix, target] : {std::pair<const char*, Tensor*>{"exp_avg.", &s.exp_avg},
                                  std::pair<const char*, Tensor*>{"exp_avg_sq.", &s.exp_avg_sq}}) {
      const std::string key = prefix + s.name;
      expected.insert(key);
      auto it = state.find(key);
      PONET_CHECK(it != state.end(), "AdamW.load_state: missing entry '", key, "'");
      const Tensor& t = it->second;
      PONET_CHECK(t.defined(), "AdamW.load_state: entry '", key, "' is undefined");
      check_dtype(t, DType::F32, "AdamW.load_state", key.c_str());
      check_shape(t, s.param.shape(), "AdamW.load_state", key.c_str());
      copies.emplace_back(target, t);
    }
  }
  for (const auto& [key, t] : state) {
    const bool ours = key.rfind("exp_avg.", 0) == 0 || key.rfind("exp_avg_sq.", 0) == 0;
    PONET_CHECK(!ours || expected.count(key), "AdamW.load_state: entry '", key,
                "' names no parameter of this optimizer");
  }
  for (auto& [target, t] : copies) {
    // A fresh copy on the parameter's device, so the optimizer never shares memory with the caller.
    *target = Tensor::from_vector(t.to_vector(), t.shape(), target->device());
  }
  steps_taken_ = steps_taken;
}

}  // namespace ponet::train
