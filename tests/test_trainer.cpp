// Checkpoints and the training loop: a checkpoint round-trips the model and optimizer, and a run that
// stops and resumes reproduces the loss curve of an uninterrupted run exactly.
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "io/safetensors.h"
#include "test_util.h"
#include "tiny_test_config.h"
#include "train/checkpoint.h"
#include "train/pretraining_task.h"
#include "train/trainer.h"

using namespace ponet;
using namespace ponet::train;
using namespace ponet::io;
using text::Corpus;
using text::WordPieceTokenizer;
using data::Batch;
using data::PretrainingData;
using data::PretrainingOptions;

namespace {

Corpus tiny_corpus() {
  Corpus c;
  const char* words[] = {"in", "the", "beginning", "god", "created", "heaven", "and", "earth", "light", "was", "good"};
  for (int d = 0; d < 6; ++d) {
    std::vector<std::string> doc;
    for (int s = 0; s < 6; ++s) {
      std::string t;
      for (int w = 0; w < 5; ++w) t += std::string(words[(d * 5 + s * 3 + w * 7) % 11]) + " ";
      doc.push_back(t);
    }
    c.documents.push_back(doc);
  }
  return c;
}

struct Setup {
  Corpus corpus = tiny_corpus();
  WordPieceTokenizer tok;
  nn::PoNetConfig config;
  PretrainingOptions data_opt;
  Setup() {
    std::vector<std::string> texts;
    for (auto& d : corpus.documents)
      for (auto& s : d) texts.push_back(s);
    tok = WordPieceTokenizer::train(texts, 40);
    config = ponet::testing::tiny_test_config(tok);
    data_opt.max_len = 32;
    data_opt.batch_size = 4;
  }
};

std::string fresh_dir(const char* name) {
  std::string dir = std::string("/tmp/ponet_test_") + name;
  std::system(("rm -rf " + dir).c_str());
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

// A pretraining run on the tiny corpus: data, fixed held-out batch, model, task and trainer.
struct TinyRun {
  PretrainingData data;
  nn::PoNetForPreTraining model;
  PretrainingTask task;
  Trainer trainer;
  TinyRun(Setup& s, const TrainerOptions& opt, float mlm_weight = 1.f, float sso_weight = 1.f)
      : data(s.corpus, s.tok, s.data_opt, {0, 1, 2, 3, 4, 5}),
        model(s.config, 5),
        task(model, data, held_out(data), mlm_weight, sso_weight),
        trainer(task, opt, 11) {}
  static std::vector<Batch> held_out(PretrainingData& data) {
    Rng eval_rng(99);
    return {data.next_batch(eval_rng)};
  }
  std::vector<float> param(const std::string& name) {
    for (auto& [n, p] : model.named_parameters())
      if (n == name) return p.to_vector();
    FAIL("no parameter ", name);
    return {};
  }
};

// One training step with the given loss weights; returns the two heads' biases before and after.
struct HeadBiases {
  std::vector<float> mlm_before, mlm_after, sso_before, sso_after;
};
HeadBiases one_weighted_step(Setup& s, float mlm_weight, float sso_weight) {
  TrainerOptions opt;
  opt.out_dir = fresh_dir("weights");
  opt.steps = 1;
  opt.warmup_steps = 0;
  opt.quiet = true;
  TinyRun run(s, opt, mlm_weight, sso_weight);
  HeadBiases h;
  h.mlm_before = run.param("cls.predictions.bias");
  h.sso_before = run.param("cls.seq_relationship.bias");
  run.trainer.run();
  h.mlm_after = run.param("cls.predictions.bias");
  h.sso_after = run.param("cls.seq_relationship.bias");
  return h;
}

TrainSummary train_steps(Setup& s, const std::string& dir, int64_t stop_after, bool resume) {
  TrainerOptions opt;
  opt.out_dir = dir;
  opt.steps = 8;
  opt.warmup_steps = 2;
  opt.eval_every = 4;
  opt.checkpoint_every = 100;
  opt.stop_after = stop_after;
  opt.quiet = true;
  TinyRun run(s, opt);
  if (resume) run.trainer.resume(run.trainer.checkpoint_path());
  return run.trainer.run();
}

}  // namespace

TEST_CASE("a stopped and resumed run reproduces the uninterrupted loss curve") {
  Setup s;
  TrainSummary straight = train_steps(s, fresh_dir("straight"), 0, false);
  REQUIRE(straight.losses.size() == 8);
  const std::string dir = fresh_dir("resumed");
  TrainSummary first = train_steps(s, dir, 3, false);
  CHECK(first.stopped_early);
  CHECK_FALSE(first.interrupted);
  REQUIRE(first.losses.size() == 3);
  TrainSummary rest = train_steps(s, dir, 0, true);
  REQUIRE(rest.losses.size() == 5);
  std::vector<double> joined = first.losses;
  joined.insert(joined.end(), rest.losses.begin(), rest.losses.end());
  for (size_t i = 0; i < 8; ++i) {
    CAPTURE(i);
    CHECK(joined[i] == straight.losses[i]);
  }
  CHECK(metric(rest.final_eval, "loss") == metric(straight.final_eval, "loss"));
  // the loss went down on this tiny corpus
  CHECK(straight.losses.back() < straight.losses.front());
}

TEST_CASE("loss weights: a head whose loss has weight 0 gets no update, the other one does") {
  Setup s;
  HeadBiases both = one_weighted_step(s, 1.f, 1.f);
  CHECK(both.mlm_after != both.mlm_before);
  CHECK(both.sso_after != both.sso_before);
  HeadBiases sso_only = one_weighted_step(s, 0.f, 1.f);
  CHECK(sso_only.mlm_after == sso_only.mlm_before);  // biases have no weight decay: untouched
  CHECK(sso_only.sso_after != sso_only.sso_before);
  HeadBiases mlm_only = one_weighted_step(s, 1.f, 0.f);
  CHECK(mlm_only.mlm_after != mlm_only.mlm_before);
  CHECK(mlm_only.sso_after == mlm_only.sso_before);
  CHECK_THROWS_WITH_AS(one_weighted_step(s, 0.f, 0.f), doctest::Contains("loss weights"), Error);
  CHECK_THROWS_WITH_AS(one_weighted_step(s, -1.f, 1.f), doctest::Contains("loss weights"), Error);
}

TEST_CASE("checkpoint round trip: parameters, optimizer moments, step and RNG states") {
  Setup s;
  nn::PoNetForPreTraining a(s.config, 1), b(s.config, 2);
  AdamW opt_a(a.named_parameters(), {}), opt_b(b.named_parameters(), {});
  for (auto& [name, p] : a.named_parameters()) p.set_grad(Tensor::full(p.shape(), 0.5f));
  opt_a.step(1e-2f);
  CheckpointState st;
  st.step = 42;
  st.data_rng = Rng(3).state_str();
  st.dropout_rng = Rng(4).state_str();
  const std::string path = fresh_dir("ckpt") + "/c.safetensors";
  save_checkpoint(path, a, &opt_a, st);
  CheckpointState loaded = load_checkpoint(path, b, &opt_b);
  CHECK(loaded.step == 42);
  CHECK(loaded.data_rng == st.data_rng);
  CHECK(opt_b.steps_taken() == 1);
  auto pa = a.named_parameters(), pb = b.named_parameters();
  for (size_t i = 0; i < pa.size(); ++i) CHECK(pa[i].second.to_vector() == pb[i].second.to_vector());
  auto sa = opt_a.state(), sb = opt_b.state();
  for (size_t i = 0; i < sa.size(); ++i) CHECK(sa[i].second.to_vector() == sb[i].second.to_vector());
  CHECK(nn::PoNetConfig::from_json(checkpoint_config(path)).hidden_size == 16);
  std::unique_ptr<nn::Model> rebuilt = load_checkpoint_model(path);
  CHECK(rebuilt->class_name() == "PoNetForPreTraining");
  auto pr = rebuilt->named_parameters();
  for (size_t i = 0; i < pa.size(); ++i) CHECK(pa[i].second.to_vector() == pr[i].second.to_vector());
  // a model-only file cannot be resumed; a different model size is a clear error
  save_safetensors(path, a.named_parameters(), {{"format", kCheckpointFormat}});
  CHECK_THROWS_WITH_AS(load_checkpoint(path, b, &opt_b), doctest::Contains("metadata 'step'"), Error);
  nn::PoNetConfig bigger = s.config;
  bigger.hidden_size = 32;
  nn::PoNetForPreTraining c(bigger, 1);
  save_checkpoint(path, a, &opt_a, st);
  CHECK_THROWS_WITH_AS(load_checkpoint(path, c, nullptr), doctest::Contains("has shape"), Error);
}

TEST_CASE("a fresh run replaces a log left by an earlier run that died before its first checkpoint") {
  Setup s;
  const std::string dir = fresh_dir("stale_log");
  {
    std::ofstream stale(dir + "/log.jsonl");
    stale << "{\"step\": 1, \"loss\": 123}\n{\"step\": 2, \"lo";
  }
  train_steps(s, dir, 3, false);
  std::ifstream in(dir + "/log.jsonl");
  std::string line;
  int64_t expected = 1;
  while (std::getline(in, line)) {
    nlohmann::json r = nlohmann::json::parse(line);  // no torn or stale line survives
    CHECK(r.value("kind", std::string()) != "");  // records of this trainer, not the stale ones
    CHECK(r.at("step").get<int64_t>() >= expected);
    expected = r.at("step").get<int64_t>();
  }
  CHECK(expected == 3);
}
