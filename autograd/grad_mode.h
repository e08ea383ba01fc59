// Grad mode: while disabled (inside a NoGrad scope) ops record nothing, so inference and the
// backward pass itself build no graph. Thread-local, as each thread runs its own forward.
#pragma once

namespace ponet::autograd {

bool grad_enabled();
void set_grad_enabled(bool enabled);

// RAII scope that sets the grad mode and restores the previous one on exit.
class GradModeScope {
 public:
  explicit GradModeScope(bool enabled) : previous_(grad_enabled()) { set_grad_enabled(enabled); }
  ~GradModeScope() { set_grad_enabled(previous_); }
  GradModeScope(const GradModeScope&) = delete;
  GradModeScope& operator=(const GradModeScope&) = delete;

 private:
  bool previous_;
};

// Recording off (inference, backward closures).
class NoGrad : public GradModeScope {
 public:
  NoGrad() : GradModeScope(false) {}
};

// Recording on, e.g. inside a backward closure that builds a graph again (autograd/checkpoint.cpp).
class EnableGrad : public GradModeScope {
 public:
  EnableGrad() : GradModeScope(true) {}
};

}  // namespace ponet::autograd

namespace ponet {
using autograd::NoGrad;
}
