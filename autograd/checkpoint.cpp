#include "autograd/checkpoint.h"

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "core/error.h"

namespace ponet::autograd {

namespace {

// Puts an Rng into a saved state for a scope and back into its current one after.
class ReplayRng {
 public:
  ReplayRng(Rng* rng, const Rng& saved) : rng_(rng) {
    if (rng_) current_ = *rng_, *rng_ = saved;
  }
  ~ReplayRng() {
    if (rng_) *rng_ = current_;
  }
  ReplayRng(const ReplayRng&) = delete;
  ReplayRng& operator=(const ReplayRng&) = delete;

 private:
  Rng* rng_;
  Rng current_;
};

}  // namespace

Tensor checkpoint(const char* name, CheckpointFn fn, const std::vector<Tensor>& inputs, Rng* rng) {
  if (!needs_grad(inputs)) return fn(inputs);
  const Rng start = rng ? *rng : Rng();
  std::vector<Tensor> saved;  // the inputs' data, cut from the graph
  std::vector<bool> wants;
  for (const Tensor& t : inputs) {
    saved.push_back(t.defined() ? t.detach() : Tensor());
    wants.push_back(t.defined() && t.requires_grad());
  }
  Tensor out;
  {
    NoGrad no_grad;
    out = fn(saved);
  }
  PONET_CHECK(out.defined(), "checkpoint ", name, ": the function returned no tensor");
  return record(name, out, inputs, [name, fn, saved, wants, rng, start](const Tensor& grad) {
    std::vector<Tensor> leaves;
    for (size_t i = 0; i < saved.size(); ++i) {
      Tensor leaf = saved[i].defined() ? saved[i].detach() : Tensor();
      if (wants[i]) leaf.set_requires_grad(true);
      leaves.push_back(leaf);
    }
    Tensor again;
    {
      EnableGrad recording;
      ReplayRng replay(rng, start);
      again = fn(leaves);
      PONET_CHECK(again.defined() && again.shape() == grad.shape(), "checkpoint ", name,
                  ": the recomputation's output does not have the forward's shape");
      backward(again, grad);
    }
    std::vector<Tensor> grads;
    for (size_t i = 0; i < leaves.size(); ++i) grads.push_back(wants[i] ? leaves[i].grad() : Tensor());
    return grads;
  });
}

}  // namespace ponet::autograd
