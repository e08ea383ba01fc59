// train/step.h: one training step is exactly its calls written out (the task's objective, backward,
// clip, the scheduled lr, AdamW), clipping 0 measures the norm without clipping, and a non-finite loss
// stops the step before anything is updated. (tests/test_trajectory.cpp checks the same step against
// PyTorch over 20 steps.)
#include <cmath>

#include "nn/ponet_for_pretraining.h"
#include "test_util.h"
#include "tiny_test_config.h"
#include "train/grad_clip.h"
#include "train/pretraining_task.h"
#include "train/step.h"

using namespace ponet;
using namespace ponet::train;

namespace {

nn::PoNetConfig small_config() { return testing::small_test_config(30, 16, 1, 16, 0.1f); }

data::Batch fixed_batch(int64_t B, int64_t L) {
  Rng rng(8);
  std::vector<int64_t> ids(B * L), labels(B * L, -100), sso(B);
  for (int64_t i = 0; i < B * L; ++i) {
    ids[i] = rng.randint(5, 30);
    if (i % 4 == 1) labels[i] = ids[i];
  }
  for (int64_t b = 0; b < B; ++b) {
    ids[b * L] = 2;
    ids[b * L + L / 2] = ids[b * L + L - 1] = 3;
    sso[b] = b % 3;
  }
  return data::full_rows_batch(ids, labels, sso, B, L);
}

// A model, its optimizer and a task that trains on one fixed batch.
struct Setup {
  data::Batch batch = fixed_batch(4, 12);
  nn::PoNetForPreTraining model{small_config(), 5};
  AdamW optimizer{model.named_parameters(), {}};
  PretrainingTask task{model, [this](Rng&) { return batch; }, 4, {}};
  Setup() { model.train(); }
  std::vector<std::vector<float>> weights() const {
    std::vector<std::vector<float>> w;
    for (const Tensor& p : model.parameters()) w.push_back(p.to_vector());
    return w;
  }
};

// A task whose loss is not finite.
class NanTask : public Task {
 public:
  explicit NanTask(Setup& s) : s_(s) {}
  nn::Model& model() override { return s_.model; }
  StepResult forward_next_batch(Rng& rng) override {
    StepResult r = s_.task.forward_next_batch(rng);
    r.figures.loss = std::nan("");
    return r;
  }
  Metrics evaluate() override { return {{"loss", 0.0}}; }
  std::string describe(const Metrics&) const override { return ""; }
  std::vector<std::string> chart_metrics() const override { return {}; }
  void set_shard(const Shard&) override {}

 private:
  Setup& s_;
};

}  // namespace

TEST_CASE("train_step: one step is its calls written out, to the bit") {
  StepConfig config;
  config.lr = 5e-2f;  // large enough that the gradient norm exceeds the clip
  config.schedule = Schedule::linear;
  config.warmup_steps = 2;
  config.total_steps = 10;
  config.max_grad_norm = 0.5f;
  for (int64_t step : {0, 3}) {
    CAPTURE(step);
    Setup a, b;
    Rng rng_a(1), rng_b(1);
    const StepStats stats = train_step(a.task, a.optimizer, config, step, rng_a);

    StepResult r = b.task.forward_next_batch(rng_b);
    r.objective.backward();
    const double norm = clip_grad_norm(b.model.parameters(), 0.5);
    const float lr = linear_warmup_decay(step, 2, 10, 5e-2f);
    b.optimizer.step(lr);
    b.optimizer.zero_grad();

    CHECK(stats.batch.loss == r.figures.loss);
    CHECK(stats.grad_norm == norm);
    CHECK(norm > 0.5);  // the clip acted
    CHECK(stats.lr == lr);
    CHECK(stats.beta1 == 0.9f);
    CHECK(a.weights() == b.weights());
    for (const Tensor& p : a.model.parameters()) CHECK_FALSE(p.grad().defined());  // zeroed for the next step
  }
}

TEST_CASE("train_step: clip 0 measures the norm and leaves the gradients whole, constant keeps the peak") {
  StepConfig config;
  config.lr = 5e-2f;
  config.schedule = Schedule::constant;
  config.max_grad_norm = 0.f;
  Setup a, b;
  Rng rng_a(1), rng_b(1);
  const StepStats stats = train_step(a.task, a.optimizer, config, 1000, rng_a);
  StepResult r = b.task.forward_next_batch(rng_b);
  r.objective.backward();
  const double norm = grad_norm(b.model.parameters());
  b.optimizer.step(5e-2f);
  CHECK(stats.grad_norm == norm);
  CHECK(stats.lr == 5e-2f);
  CHECK(a.weights() == b.weights());
}

TEST_CASE("train_step: a non-finite loss is an error naming the step, and nothing is updated") {
  Setup s;
  NanTask task(s);
  const std::vector<std::vector<float>> before = s.weights();
  StepConfig config;
  config.schedule = Schedule::constant;  // a step that went through would change the weights
  Rng rng(1);
  CHECK_THROWS_WITH_AS(train_step(task, s.optimizer, config, 6, rng),
                       doctest::Contains("loss became nan at step 7"), Error);
  CHECK(s.weights() == before);
  CHECK(s.optimizer.steps_taken() == 0);
}
