#include "apps/lra_self_pretrain.h"


#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "core/error.h"
#include "io/atomic_file.h"
#include "io/json_text.h"
#include "nn/lra_masked_lm.h"
#include "train/checkpoint.h"
#include "train/lra_masked_lm_task.h"
#include "train/run_dir.h"

namespace ponet::app {

namespace {

bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

// The record of a finished phase 1 in `dir` that matches the plan, or null: its results.json (written
// only when the training ended) with the same steps, lr and mask probability, and a checkpoint of this
// model config.
nlohmann::json finished_phase(const std::string& dir, const nn::LraConfig& config, const SelfPretrainPlan& plan) {
  const std::string record = dir + "/results.json", checkpoint = dir + "/checkpoint.safetensors";
  if (!file_exists(record) || !file_exists(checkpoint)) return nullptr;
  const nlohmann::json r = train::read_json_file(record);
  const bool same = r.value("steps", int64_t{-1}) == plan.steps && r.value("lr", -1.0) == io::json_float(plan.lr) &&
                    r.value("mask_prob", -1.0) == io::json_float(plan.mask_prob) &&
                    train::checkpoint_config(checkpoint) == config.to_json();
  return same ? r : nlohmann::json();
}

}  // namespace

nn::LraConfig with_mask_row(nn::LraConfig config, int64_t task_vocab) {
  config.vocab_size = std::max<int64_t>(config.vocab_size, task_vocab + 1);
  return config;
}

train::TrainerOptions self_pretrain_options(const train::TrainerOptions& run, const SelfPretrainPlan& plan) {
  train::TrainerOptions o = run;
  o.out_dir = plan.dir;
  o.steps = plan.steps;
  o.warmup_steps = run.warmup_steps * plan.steps / run.steps;  // the run's warmup fraction
  o.lr = plan.lr;
  o.eval_every = std::max<int64_t>(1, plan.steps / 10);
  o.checkpoint_every = plan.steps;  // the end writes the one checkpoint fine-tuning (or a rerun) reads
  o.best_metric = "";  // the encoder handed on is the last one
  return o;
}

void check_self_pretrain(const SelfPretrainPlan& plan, const train::TrainerOptions& run) {
  PONET_CHECK(plan.lr > 0 && std::isfinite(plan.lr), "--self-pretrain-lr must be positive, got ", plan.lr);
  try {
    train::check_options(self_pretrain_options(run, plan));
  } catch (const Error& e) {
    fail("--self-pretrain ", plan.steps, ": ", e.what());
  }
}

nlohmann::json SelfPretrainResult::json() const {
  return {{"steps", steps},
          {"seconds", seconds},
          {"lr", io::json_float(lr)},
          {"mask_prob", io::json_float(mask_prob)},
          {"final_mlm_accuracy", final_mlm_accuracy},
          {"final_mlm_loss", final_mlm_loss}};
}

SelfPretrainResult self_pretrain(const nn::LraConfig& config, const std::vector<data::ClassificationExample>& train_set,
                                 const std::vector<data::ClassificationExample>& dev, const SelfPretrainPlan& plan,
                                 const train::TrainerOptions& run_options, nn::LraForSequenceClassification& classifier) {
  io::make_directories(plan.dir);
  nn::LraForMaskedLM model(config, plan.seed);
  model.to(plan.device);
  SelfPretrainResult r;
  r.steps = plan.steps;
  r.lr = plan.lr;
  r.mask_prob = plan.mask_prob;
  const nlohmann::json done = finished_phase(plan.dir, config, plan);
  if (!done.is_null()) {
    train::load_checkpoint(plan.dir + "/checkpoint.safetensors", model, nullptr);
    r.reused = true;
    r.seconds = done.at("seconds").get<double>();
    r.final_mlm_accuracy = done.at("final_mlm_accuracy").get<double>();
    r.final_mlm_loss = done.at("final_mlm_loss").get<double>();
  } else {
    std::remove((plan.dir + "/results.json").c_str());  // a record of another phase 1 no longer holds
    io::write_file_atomically(plan.dir + "/config.json", config.to_json() + "\n");
    train::LraMaskedLMOptions o;
    o.batch_size = plan.batch;
    o.pad_to = plan.pad_to;
    o.masking = {plan.mask_prob, plan.task_vocab, plan.task_vocab};
    o.epochs = plan.epochs;
    o.precision = plan.precision;
    train::LraMaskedLMTask task(model, train::token_sequences(train_set), train::token_sequences(dev), o);
    train::Trainer trainer(task, self_pretrain_options(run_options, plan), plan.seed);
    const train::TrainSummary s = trainer.run();
    if (s.interrupted) {
      r.interrupted = true;
      return r;
    }
    r.seconds = s.seconds;
    r.final_mlm_accuracy = train::metric(s.final_eval, "accuracy");
    r.final_mlm_loss = train::metric(s.final_eval, "loss");
    io::write_file_atomically(plan.dir + "/results.json", io::json_text(r.json(), 2) + "\n");
  }
  nn::copy_lra_encoder(model, classifier);
  const std::string how = r.reused ? "reused from " + plan.dir : "trained in " + std::to_string(std::llround(r.seconds)) + " s";
  std::printf("Self-pretraining (%lld masked-token steps on the %zu training sequences, lr %g, mask probability %g; %s): "
              "dev MLM accuracy %.2f%%, loss %.4f\n",
              static_cast<long long>(r.steps), train_set.size(), r.lr, r.mask_prob, how.c_str(),
              100 * r.final_mlm_accuracy, r.final_mlm_loss);
  std::fflush(stdout);
  return r;
}

}  // namespace ponet::app
