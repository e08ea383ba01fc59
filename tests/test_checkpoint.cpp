// autograd::checkpoint: the same outputs and gradients (to the bit) as the plain graph, dropout replayed
// from the saved Rng state, intermediates not kept, a finite-difference check through it, errors.
#include "autograd/checkpoint.h"
#include "autograd/grad_mode.h"
#include "autograd/gradcheck.h"
#include "core/memory_stats.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::testing;

namespace {

// A two-layer MLP with dropout between, as a function of its input; w1, b1, w2 are parameters.
struct Mlp {
  Tensor w1, b1, w2;
  Rng* rng;
  float p = 0.3f;
  Tensor operator()(const std::vector<Tensor>& in) const {
    return matmul(dropout(gelu(linear(in[0], w1, b1)), p, true, *rng), w2);
  }
};

struct Run {
  std::vector<float> out, dx, dw1, db1, dw2;
  std::string rng_after_forward, rng_after_backward;
};

Run run(bool checkpointed, bool replay_rng) {
  Rng init(7), drop(11);
  Mlp f{random_tensor({16, 6}, init, true), random_tensor({16}, init, true), random_tensor({16, 5}, init, true), &drop};
  Tensor x = random_tensor({9, 6}, init, true);
  Tensor y = checkpointed ? checkpoint("mlp", f, {x}, replay_rng ? &drop : nullptr) : f({x});
  Run r;
  r.rng_after_forward = drop.state_str();
  sum_all(scale(y, 0.5f)).backward();
  r.rng_after_backward = drop.state_str();
  r.out = y.to_vector();
  r.dx = x.grad().to_vector();
  r.dw1 = f.w1.grad().to_vector();
  r.db1 = f.b1.grad().to_vector();
  r.dw2 = f.w2.grad().to_vector();
  return r;
}

}  // namespace

TEST_CASE("checkpoint: outputs and every gradient equal the plain graph's to the bit") {
  const Run plain = run(false, true), ckpt = run(true, true);
  CHECK(ckpt.out == plain.out);
  CHECK(ckpt.dx == plain.dx);
  CHECK(ckpt.dw1 == plain.dw1);
  CHECK(ckpt.db1 == plain.db1);
  CHECK(ckpt.dw2 == plain.dw2);
  // fn drew from the Rng in forward as the plain graph did; the replay in backward leaves it there
  CHECK(ckpt.rng_after_forward == plain.rng_after_forward);
  CHECK(ckpt.rng_after_backward == ckpt.rng_after_forward);
}

TEST_CASE("checkpoint: without replaying the Rng the recomputed dropout differs (what the replay is for)") {
  const Run plain = run(false, true), unreplayed = run(true, false);
  CHECK(unreplayed.out == plain.out);  // the forward is the same ...
  CHECK(max_abs_diff(unreplayed.dw1, plain.dw1) > 1e-3);  // ... the gradients come from other masks
  CHECK(unreplayed.rng_after_backward != unreplayed.rng_after_forward);
}

TEST_CASE("checkpoint: the function's intermediates are not kept for backward") {
  Rng init(3);
  Tensor w1 = random_tensor({64, 512}, init, true), w2 = random_tensor({512, 64}, init, true);
  Tensor x = random_tensor({256, 64}, init, true);
  auto f = [&](const std::vector<Tensor>& in) { return matmul(gelu(matmul(in[0], w1)), w2); };
  auto live_after = [&](bool checkpointed) {
    const size_t before = memory_stats(Device::cpu()).in_use;
    Tensor y = checkpointed ? checkpoint("ffn", f, {x}) : f({x});
    return memory_stats(Device::cpu()).in_use - before;
  };
  const size_t hidden = 256 * 512 * sizeof(float);
  const size_t plain = live_after(false), ckpt = live_after(true);
  CHECK(plain >= 2 * hidden);  // matmul's output and gelu's output stay alive for backward
  CHECK(ckpt < hidden);        // only y itself
}

TEST_CASE("checkpoint: finite differences through the recomputation") {
  Rng init(5);
  Tensor w = random_tensor({4, 3}, init, true);
  auto f = [&](const std::vector<Tensor>& in) { return tanh(matmul(gelu(in[0]), w)); };
  check_gradients([&](const std::vector<Tensor>& in) { return checkpoint("f", f, {in[0]}); },
                  {random_tensor({5, 4}, init, true)});
}

TEST_CASE("checkpoint: no recording without grad mode or inputs that need a gradient") {
  Rng init(2);
  Tensor w = random_tensor({3, 3}, init, true);
  Tensor x = random_tensor({2, 3}, init, false);
  auto f = [&](const std::vector<Tensor>& in) { return matmul(in[0], w); };
  Tensor y = checkpoint("f", f, {x});  // only the parameter needs a gradient: recorded as usual
  sum_all(y).backward();
  CHECK(w.grad().defined());
  NoGrad off;
  CHECK(!checkpoint("f", f, {random_tensor({2, 3}, init, true)}).requires_grad());
}
