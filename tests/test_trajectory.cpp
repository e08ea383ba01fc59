// Training follows PyTorch step for step. Each fixture (tests/data/generators/make_trajectory_fixture.py)
// holds a tiny model's initial weights, 20 fixed batches, and what 20 steps of torch.optim.AdamW,
// transformers' linear warmup/decay and clip_grad_norm_ gave: every step's loss, grad norm (before
// clipping) and lr, and the final weights. The real Trainer runs the same 20 steps here (a Task that
// serves the fixture's batches in order) and its log and final weights must agree:
//   loss and grad norm within 1e-5 relative, lr exactly (float32), every final tensor within 1e-4 of
//   its own max|w|; NaN or Inf fails.
// The pretraining fixtures go through the real PretrainingTask (its objective), fed the fixture's
// batches in order. A second test runs train/step.h's step alone with an optimizer and settings of its
// own, to show that the comparison is sharp: it passes with the Trainer's settings and fails with a
// wrong beta2, weight decay on every parameter, or no clipping.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "fixture_util.h"
#include "nn/ponet_for_pretraining.h"
#include "nn/ponet_classification.h"
#include "train/optimizer.h"
#include "train/pretraining_task.h"
#include "train/schedule.h"
#include "train/step.h"
#include "train/trainer.h"

using namespace ponet;
using namespace ponet::testing;
using nlohmann::json;

namespace {

constexpr double kLossTol = 1e-5, kNormTol = 1e-5, kWeightTol = 1e-4;

const char* kCases[] = {"pretraining_ponet", "pretraining_softmax", "classification_ponet"};

// One fixture: its model (built from the stored config with the initial weights) and settings.
struct Trajectory {
  std::string name;
  Fixture fx;
  json opt;
  int64_t steps = 0;
  std::unique_ptr<nn::Model> model;

  explicit Trajectory(const std::string& case_name)
      : name(case_name), fx(load_fixture("trajectory/" + case_name + ".safetensors")) {
    opt = json::parse(fx.metadata.at("optimizer"));
    steps = fx.at("step.loss").numel();
    REQUIRE(opt.at("total_steps").get<int64_t>() == steps);
    const nn::PoNetConfig config = nn::PoNetConfig::from_json(fx.metadata.at("config"), name);
    const std::string cls = fx.metadata.at("model_class");
    if (cls == "PoNetForPreTraining") model = std::make_unique<nn::PoNetForPreTraining>(config, 0);
    else if (cls == "PoNetForSequenceClassification")
      model = std::make_unique<nn::PoNetForSequenceClassification>(config, 0);
    else FAIL("unknown model_class " << cls << " in " << name);
    std::map<std::string, Tensor> initial;
    for (auto& [n, t] : model->named_parameters()) initial[n] = fx.at("initial." + n);
    model->load_state_dict(initial);  // strict: the fixture names exactly our parameters
  }
  float lr() const { return opt.at("lr").get<float>(); }
  int64_t warmup() const { return opt.at("warmup_steps").get<int64_t>(); }
  double max_grad_norm() const { return opt.at("max_grad_norm").get<double>(); }
  train::AdamWOptions adamw() const {
    return {lr(), 0.9f, 0.999f, opt.at("eps").get<float>(), opt.at("weight_decay").get<float>()};
  }

  // Step s's slice of a stored batch tensor [steps, ...]; undefined if the fixture has none.
  Tensor batch(const std::string& key, int64_t s) const {
    Tensor all = fx.optional("batch." + key);
    if (!all.defined()) return all;
    Shape shape(all.shape().begin() + 1, all.shape().end());
    const std::vector<int64_t> v = all.to_vector_i64();
    const int64_t n = all.numel() / steps;
    return Tensor::from_vector_i64(std::vector<int64_t>(v.begin() + s * n, v.begin() + (s + 1) * n), shape);
  }

  // The fixture's batch of step s, as the data pipeline would give it.
  data::Batch pretraining_batch(int64_t s) const {
    data::Batch b;
    b.input_ids = batch("input_ids", s);
    b.attention_mask = batch("attention_mask", s);
    b.token_type_ids = batch("token_type_ids", s);
    b.segment_ids = batch("segment_ids", s);
    b.labels = batch("labels", s);
    b.next_sentence_label = batch("next_sentence_label", s);
    return b;
  }

  // The task that trains on the fixture's batches in order, whatever the data Rng says; its GEMMs in `precision`.
  std::unique_ptr<train::Task> task(Precision precision = Precision::fp32);
};

// Classification fixtures: their batches in order through the classifier, its loss as the objective (as
// ClassificationTask's, which draws its own batches).
class FixtureClassificationTask : public train::Task {
 public:
  FixtureClassificationTask(Trajectory& t, Precision precision) : t_(t), precision_(precision) {}
  nn::Model& model() override { return *t_.model; }
  train::StepResult forward_next_batch(Rng&) override {
    const int64_t s = next_++;
    auto& cls = dynamic_cast<nn::SequenceClassifier&>(*t_.model);
    nn::ForwardOptions options;
    options.precision = precision_;
    nn::ClassifierResult out = cls.classify(t_.batch("input_ids", s), t_.batch("attention_mask", s), Tensor(),
                                            t_.batch("labels", s), options);
    train::StepResult r;
    r.objective = out.loss;
    r.figures.loss = out.loss.item();
    return r;
  }
  train::Metrics evaluate() override { return {{"loss", 0.0}}; }
  std::string describe(const train::Metrics&) const override { return ""; }
  std::vector<std::string> chart_metrics() const override { return {}; }
  void set_shard(const train::Shard& shard) override {  // one process: the fixtures are single-rank runs
    PONET_CHECK(shard.size == 1, "trajectory fixtures are single-process runs, got ", shard.size, " ranks");
  }

 private:
  Trajectory& t_;
  Precision precision_;
  int64_t next_ = 0;
};

std::unique_ptr<train::Task> Trajectory::task(Precision precision) {
  auto* pre = dynamic_cast<nn::PoNetForPreTraining*>(model.get());
  if (!pre) return std::make_unique<FixtureClassificationTask>(*this, precision);
  const int64_t B = batch("input_ids", 0).size(0);
  auto task = std::make_unique<train::PretrainingTask>(
      *pre, [this, next = int64_t{0}](Rng&) mutable { return pretraining_batch(next++); }, B,
      std::vector<data::Batch>{});
  task->set_precision(precision);
  return task;
}

// What one run reached against a fixture; NaN and Inf make a measure infinite.
struct Deviation {
  double loss = 0, grad_norm = 0, weights = 0;  // max relative errors (weights: per tensor, over max|w|)
  std::string worst_tensor;
  int64_t lr_mismatches = 0;
  bool passes() const {
    return loss <= kLossTol && grad_norm <= kNormTol && weights <= kWeightTol && lr_mismatches == 0;
  }
};

Deviation compare(const Trajectory& t, const std::vector<double>& losses, const std::vector<double>& norms,
                  const std::vector<float>& lrs) {
  REQUIRE(static_cast<int64_t>(losses.size()) == t.steps);
  REQUIRE(norms.size() == losses.size());
  REQUIRE(lrs.size() == losses.size());
  Deviation d;
  const std::vector<float> ref_loss = t.fx.at("step.loss").to_vector(), ref_norm = t.fx.at("step.grad_norm").to_vector(),
                           ref_lr = t.fx.at("step.lr").to_vector();
  for (int64_t s = 0; s < t.steps; ++s) {
    d.loss = worst_error(d.loss, std::abs(losses[s] - ref_loss[s]) / std::abs(ref_loss[s]));
    d.grad_norm = worst_error(d.grad_norm, std::abs(norms[s] - ref_norm[s]) / std::abs(ref_norm[s]));
    if (!(lrs[s] == ref_lr[s])) ++d.lr_mismatches;  // written so that NaN counts as a mismatch
  }
  for (auto& [name, p] : t.model->named_parameters()) {
    const Tensor& ref = t.fx.at("final." + name);
    const double err = max_abs_diff(p.to_vector(), ref.to_vector()) / max_abs(ref);
    if (!std::isfinite(err) || err > d.weights) d.worst_tensor = name;
    d.weights = worst_error(d.weights, err);
  }
  return d;
}

void check_and_report(const Trajectory& t, const Deviation& d, const char* how) {
  CHECK_MESSAGE(d.loss <= kLossTol, t.name << ": loss relative error " << d.loss);
  CHECK_MESSAGE(d.grad_norm <= kNormTol, t.name << ": grad norm relative error " << d.grad_norm);
  CHECK_MESSAGE(d.lr_mismatches == 0, t.name << ": " << d.lr_mismatches << " learning rates differ");
  CHECK_MESSAGE(d.weights <= kWeightTol, t.name << ": final " << d.worst_tensor << " off by " << d.weights
                                                << " of its max|w|");
  std::printf("trajectory %-21s %-8s loss rel %.1e, grad norm rel %.1e, lr exact, final weights / max|w| %.1e (%s)\n",
              t.name.c_str(), how, d.loss, d.grad_norm, d.weights, d.worst_tensor.c_str());
}

// The fixture's steps through train/step.h's step, with the optimizer given.
Deviation replay(Trajectory& t, train::AdamW& optimizer, bool clip = true, Precision precision = Precision::fp32,
                 std::vector<double>* losses_out = nullptr) {
  std::vector<double> losses, norms;
  std::vector<float> lrs;
  t.model->train();
  const std::unique_ptr<train::Task> task = t.task(precision);
  train::StepConfig config;
  config.lr = t.lr();
  config.warmup_steps = t.warmup();
  config.total_steps = t.steps;
  config.max_grad_norm = clip ? static_cast<float>(t.max_grad_norm()) : 0.f;
  Rng unused(0);
  for (int64_t s = 0; s < t.steps; ++s) {
    const train::StepStats stats = train::train_step(*task, optimizer, config, s, unused);
    losses.push_back(stats.batch.loss);
    norms.push_back(stats.grad_norm);
    lrs.push_back(stats.lr);
  }
  if (losses_out) *losses_out = losses;
  return compare(t, losses, norms, lrs);
}

}  // namespace

TEST_CASE("training follows PyTorch step for step (the Trainer on fixed batches)") {
  for (const char* name : kCases) {
    CAPTURE(name);
    Trajectory t(name);
    // no step of these fixtures may be skipped or go unclipped by accident: the file says which clip
    const json clipped = json::parse(t.fx.metadata.at("clipped_steps"));
    CHECK(clipped.size() > 0);
    CHECK(static_cast<int64_t>(clipped.size()) < t.steps);

    // per process: test runs of other checkouts on this machine use the same temporary folder
    const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                      ("ponet_test_trajectory_" + t.name + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    train::TrainerOptions o;
    o.out_dir = dir.string();
    o.steps = t.steps;
    o.warmup_steps = t.warmup();
    o.lr = t.lr();
    o.weight_decay = t.opt.at("weight_decay").get<float>();
    o.max_grad_norm = static_cast<float>(t.max_grad_norm());
    o.adam_eps = t.opt.at("eps").get<float>();
    o.log_every = 1;
    o.eval_every = o.checkpoint_every = t.steps;
    o.quiet = true;
    // the fixtures' betas are the Trainer's fixed ones, and PyTorch's no-decay group (the script checks it
    // against the module types: biases and LayerNorm parameters) is our default filter's complement
    CHECK(t.opt.at("betas") == json::array({0.9, 0.999}));
    const std::set<std::string> no_decay = t.opt.at("no_decay").get<std::set<std::string>>();
    for (auto& [n, p] : t.model->named_parameters())
      CHECK_MESSAGE(train::default_weight_decay_filter(n) == (no_decay.count(n) == 0), n);
    const std::unique_ptr<train::Task> task = t.task();
    train::Trainer trainer(*task, o, 0);
    train::TrainSummary summary = trainer.run();
    REQUIRE(summary.steps_done == t.steps);

    // loss, lr and grad norm of every step, from the Trainer's own log
    std::vector<double> losses, norms;
    std::vector<float> lrs;
    std::ifstream log(dir / "log.jsonl");
    std::string line;
    while (std::getline(log, line)) {
      const json rec = json::parse(line);
      if (rec.at("kind") != "train") continue;
      CHECK(rec.at("step").get<int64_t>() == static_cast<int64_t>(losses.size()) + 1);
      losses.push_back(rec.at("loss").get<double>());
      norms.push_back(rec.at("grad_norm").get<double>());
      lrs.push_back(static_cast<float>(rec.at("lr").get<double>()));  // the float's shortest decimal
    }
    check_and_report(t, compare(t, losses, norms, lrs), "Trainer");
    std::filesystem::remove_all(dir);
  }
}

TEST_CASE("training trajectory: the check fails on a wrong optimizer setting") {
  auto run = [](const std::function<std::unique_ptr<train::AdamW>(Trajectory&)>& make, bool clip = true) {
    Trajectory t("pretraining_ponet");
    std::unique_ptr<train::AdamW> optimizer = make(t);
    return replay(t, *optimizer, clip);
  };
  // The replay with the Trainer's settings passes, so a failure below comes from the setting alone.
  {
    Trajectory t("pretraining_ponet");
    train::AdamW optimizer(t.model->named_parameters(), t.adamw());
    check_and_report(t, replay(t, optimizer), "replay");
  }
  const Deviation beta2 = run([](Trajectory& t) {
    train::AdamWOptions o = t.adamw();
    o.beta2 = 0.99f;
    return std::make_unique<train::AdamW>(t.model->named_parameters(), o);
  });
  const Deviation decay_all = run([](Trajectory& t) {
    return std::make_unique<train::AdamW>(t.model->named_parameters(), t.adamw(),
                                          [](const std::string&) { return true; });
  });
  const Deviation no_clip = run(
      [](Trajectory& t) { return std::make_unique<train::AdamW>(t.model->named_parameters(), t.adamw()); }, false);
  std::printf("trajectory wrong settings: beta2 0.99 -> weights %.1e, loss %.1e; decay on biases and LayerNorm -> "
              "weights %.1e (%s); no clipping -> weights %.1e, loss %.1e\n",
              beta2.weights, beta2.loss, decay_all.weights, decay_all.worst_tensor.c_str(), no_clip.weights,
              no_clip.loss);
  CHECK_FALSE(beta2.passes());
  CHECK_FALSE(decay_all.passes());
  CHECK_FALSE(no_clip.passes());
  // and by a wide margin, not by rounding luck
  CHECK(beta2.weights > 10 * kWeightTol);
  CHECK(decay_all.weights > 10 * kWeightTol);
  CHECK(no_clip.weights > 10 * kWeightTol);
}

// bf16 (--precision bf16, docs/precision.md) against PyTorch's CPU mixed precision on the same 20 steps. Neither
// follows the exact (float64) trajectory closely any more, and they round different things: PyTorch's autocast
// also rounds every GEMM's output to bf16, ours keeps it in fp32. So the two are not compared to each other within a
// fixed tolerance; each is measured against the exact trajectory, and ours must stay within twice PyTorch's own
// distance from it (loss and grad norm, worst step; final weights, worst tensor). The factor 2 leaves room for the
// rounding landing differently; a real defect (a wrong optimizer setting, a product in the wrong precision) moves
// the weights by far more (the last check: no gradient clipping). Ours must also be far from the float32 envelope (kLossTol), or
// bf16 did not run. The PyTorch side: tests/data/trajectory/autocast_bf16/ (make_trajectory_fixture.py
// --autocast-bf16).
TEST_CASE("training trajectory in bf16 stays as close to the exact one as PyTorch autocast bf16") {
  auto autocast_deviation = [](const Trajectory& t) {
    const Fixture ac = load_fixture("trajectory/autocast_bf16/" + t.name + ".safetensors");
    REQUIRE(ac.metadata.at("case") == t.name);
    std::vector<double> losses, norms;
    for (float v : ac.at("step.loss").to_vector()) losses.push_back(v);
    for (float v : ac.at("step.grad_norm").to_vector()) norms.push_back(v);
    const std::vector<float> lrs = ac.at("step.lr").to_vector();
    // the final weights of the autocast run go through the same measure as ours
    std::map<std::string, Tensor> final_weights;
    for (auto& [n, p] : t.model->named_parameters()) final_weights[n] = ac.at("final." + n);
    Trajectory copy(t.name);
    copy.model->load_state_dict(final_weights);
    return compare(copy, losses, norms, lrs);
  };
  auto ours_bf16 = [](Trajectory& t, bool clip) {
    train::AdamW optimizer(t.model->named_parameters(), t.adamw());
    return replay(t, optimizer, clip, Precision::bf16);
  };
  for (const char* name : kCases) {
    CAPTURE(name);
    Trajectory t(name);
    const Deviation torch_bf16 = autocast_deviation(t);
    const Deviation ours = ours_bf16(t, true);
    std::printf("trajectory %-21s bf16: ours loss rel %.1e, grad norm rel %.1e, weights %.1e (%s); "
                "torch autocast bf16 %.1e, %.1e, %.1e\n", name, ours.loss, ours.grad_norm, ours.weights,
                ours.worst_tensor.c_str(), torch_bf16.loss, torch_bf16.grad_norm, torch_bf16.weights);
    CHECK(ours.lr_mismatches == 0);
    CHECK(ours.loss <= 2 * torch_bf16.loss);
    CHECK(ours.grad_norm <= 2 * torch_bf16.grad_norm);
    CHECK(ours.weights <= 2 * torch_bf16.weights);
    CHECK(ours.loss > 3 * kLossTol);  // bf16 ran: far outside the float32 envelope
    CHECK(torch_bf16.loss > 3 * kLossTol);
  }
  // The bound sees a training defect through the bf16 noise: without the gradient clipping it breaks. (Smaller
  // defects do not show: beta2 0.99 for 0.999 moves the fp32 weights by 4e-3 of max|w|, under the bf16 noise.)
  Trajectory t("pretraining_ponet");
  const Deviation torch_bf16 = autocast_deviation(t);
  const Deviation wrong = ours_bf16(t, false);
  std::printf("trajectory bf16 without clipping: loss %.1e, weights %.1e against the bounds %.1e, %.1e\n", wrong.loss,
              wrong.weights, 2 * torch_bf16.loss, 2 * torch_bf16.weights);
  CHECK(wrong.loss > 2 * torch_bf16.loss);
  CHECK(wrong.weights > 2 * torch_bf16.weights);
}
