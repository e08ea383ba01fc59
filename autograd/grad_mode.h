// Grad mode: while disabled (inside a NoGrad scope) ops record nothing, so inference and the
// backward pass itself build no graph. Thread-local, as each thread runs its own forward.
#pragma once

namespace ponet::autograd {

bool grad_enabled();
void set_grad_enabled(bool enabled);

// RAII scope that turns recording off and restores the previous mode on exit.
class NoGrad {
 public:
  NoGrad() : previous_(grad_enabled()) { set_grad_enabled(false); }
  ~NoGrad() { set_grad_enabled(previous_); }
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  bool previous_;
};

}  // namespace ponet::autograd

namespace ponet {
using autograd::NoGrad;
}
