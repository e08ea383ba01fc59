// The sequence-classification task: batching, macro-F1 by hand, learning a synthetic task with the LRA
// family, the HF family through the same task, and exact resume through the trainer.
#include <sys/stat.h>

#include <cstdlib>

#include "nn/lra.h"
#include "nn/ponet_classification.h"
#include "test_util.h"
#include "train/checkpoint.h"
#include "train/classification_task.h"
#include "train/trainer.h"

using namespace ponet;
using namespace ponet::train;
using namespace ponet::data;

namespace {

// label 1 iff token 3 occurs; ids in [1, 10), lengths 4..11
std::vector<ClassificationExample> synthetic(int n, uint64_t seed) {
  Rng rng(seed);
  std::vector<ClassificationExample> out;
  for (int i = 0; i < n; ++i) {
    ClassificationExample e;
    const int64_t len = rng.randint(4, 12);
    for (int64_t l = 0; l < len; ++l) e.ids.push_back(rng.randint(1, 10));
    if (i % 2 == 0) e.ids[rng.randint(0, len)] = 3;  // about half the examples contain a 3
    e.label = std::find(e.ids.begin(), e.ids.end(), 3) != e.ids.end();
    out.push_back(e);
  }
  return out;
}

nn::LraConfig tiny_lra(const std::string& mixer) {
  nn::LraConfig c;
  c.attn_type = mixer;
  c.vocab_size = 10;
  c.embedding_dim = c.transformer_dim = 16;
  c.transformer_hidden_dim = 32;
  c.num_head = 2;
  c.head_dim = 8;
  c.num_layers = 1;
  c.max_seq_len = 16;
  c.segment_num = 2;
  c.num_classes = 2;
  return c;
}

std::string fresh_dir(const char* name) {
  std::string dir = std::string("/tmp/ponet_test_") + name;
  std::system(("rm -rf " + dir).c_str());
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

TrainerOptions quiet_options(const std::string& dir, int64_t steps) {
  TrainerOptions o;
  o.out_dir = dir;
  o.steps = steps;
  o.warmup_steps = steps / 10;
  o.lr = 3e-3f;
  o.eval_every = steps;
  o.checkpoint_every = steps;
  o.quiet = true;
  return o;
}

}  // namespace

TEST_CASE("macro-F1 and batching by hand") {
  // per class (tp, fp, fn): 0 -> (1, 1, 1) F1 1/2; 1 -> (1, 1, 0) F1 2/3; 2 -> (2, 0, 1) F1 4/5
  const std::vector<int64_t> gold = {0, 0, 1, 2, 2, 2}, pred = {0, 1, 1, 2, 2, 0};
  CHECK(macro_f1(pred, gold, 3) == doctest::Approx((0.5 + 2.0 / 3 + 0.8) / 3));
  CHECK(macro_f1(pred, gold, 5) == doctest::Approx((0.5 + 2.0 / 3 + 0.8) / 3));  // unseen classes left out
  CHECK(macro_f1(gold, gold, 3) == doctest::Approx(1.0));
  std::vector<ClassificationExample> ex = {{{5, 6, 7}, 1, {}}, {{8}, 0, {}}};
  ClassificationBatch b = make_classification_batch(ex, {0, 1}, 0, 0);
  CHECK(b.input_ids.to_vector_i64() == std::vector<int64_t>{5, 6, 7, 8, 0, 0});
  CHECK(b.attention_mask.to_vector_i64() == std::vector<int64_t>{1, 1, 1, 1, 0, 0});
  CHECK(b.labels.to_vector_i64() == std::vector<int64_t>{1, 0});
  CHECK(b.num_tokens == 4);
  CHECK(make_classification_batch(ex, {1}, 9, 4).input_ids.to_vector_i64() == std::vector<int64_t>{8, 9, 9, 9});
  CHECK_THROWS_WITH_AS(make_classification_batch(ex, {0}, 0, 2), doctest::Contains("more than the padded length"),
                       Error);
}

TEST_CASE("classification task: the LRA PoNet learns a synthetic task") {
  nn::LraForSequenceClassification model(tiny_lra("ponet"), 3);
  ClassificationTask task(model, synthetic(512, 1), synthetic(200, 2), {16, 0, true});
  TrainerOptions o = quiet_options(fresh_dir("cls_learn"), 300);
  o.eval_every = 100;
  o.best_metric = "accuracy";
  Trainer trainer(task, o, 4);
  const double before = metric(trainer.evaluate(), "accuracy");
  TrainSummary s = trainer.run();
  const double after = metric(s.final_eval, "accuracy");
  MESSAGE("held-out accuracy before ", before, ", after 300 steps ", after, ", macro-F1 ", metric(s.final_eval, "macro_f1"));
  CHECK(after >= 0.85);
  CHECK(metric(s.final_eval, "micro_f1") == after);
  CHECK(s.losses.back() < s.losses.front());
  // the best of the three evaluations was kept, and best.safetensors reproduces it
  CHECK(s.best >= after);
  CHECK(s.best_step % 100 == 0);
  nn::LraForSequenceClassification reloaded(tiny_lra("ponet"), 99);
  load_checkpoint(trainer.best_path(), reloaded, nullptr);
  reloaded.eval();
  ClassificationTask check(reloaded, synthetic(512, 1), synthetic(200, 2), {16, 0, true});
  CHECK(metric(check.evaluate(), "accuracy") == s.best);
}

TEST_CASE("classification task: the HF PoNet family runs through the same task, bad data is rejected") {
  nn::PoNetConfig c;
  c.vocab_size = 10;
  c.hidden_size = 16;
  c.num_hidden_layers = 1;
  c.num_attention_heads = 2;
  c.intermediate_size = 32;
  c.max_position_embeddings = 16;
  c.clsgsepg = false;
  c.segment_num = 2;
  c.cls_token_id = 1;
  c.sep_token_id = 2;
  c.mask_token_id = 3;
  nn::PoNetForSequenceClassification model(c, 1);
  ClassificationTask task(model, synthetic(64, 5), synthetic(16, 6), {8, 0, true});
  Trainer trainer(task, quiet_options(fresh_dir("cls_hf"), 5), 7);
  TrainSummary s = trainer.run();
  CHECK(s.steps_done == 5);
  CHECK(std::isfinite(metric(s.final_eval, "loss")));
  std::vector<ClassificationExample> bad = {{{1, 2}, 2, {}}};
  CHECK_THROWS_WITH_AS(ClassificationTask(model, bad, bad, {}), doctest::Contains("has label 2"), Error);
  bad = {{{}, 0, {}}};
  CHECK_THROWS_WITH_AS(ClassificationTask(model, bad, bad, {}), doctest::Contains("has no tokens"), Error);
  bad = {{std::vector<int64_t>(17, 4), 0, {}}};
  CHECK_THROWS_WITH_AS(ClassificationTask(model, bad, bad, {}), doctest::Contains("positions allow 16"), Error);
}

TEST_CASE("classification task: a stopped and resumed run reproduces the uninterrupted one") {
  // also with the official LRA recipe: epoch sampling (stopped mid-epoch: 64 examples are 8 batches),
  // OneCycle with beta1 cycling, no clipping
  for (const bool official : {false, true}) {
    CAPTURE(official);
    auto run = [official](const std::string& dir, int64_t stop_after, bool resume) {
      nn::LraForSequenceClassification model(tiny_lra("ponet"), 3);
      ClassificationTask task(model, synthetic(64, 1), synthetic(16, 2), {8, 0, true, official});
      TrainerOptions o = quiet_options(dir, official ? 12 : 6);
      if (official) {
        o.schedule = Schedule::one_cycle;
        o.max_grad_norm = 0;
      }
      o.stop_after = stop_after;
      Trainer trainer(task, o, 4);
      if (resume) trainer.resume(trainer.checkpoint_path());
      return trainer.run();
    };
    TrainSummary straight = run(fresh_dir("cls_straight"), 0, false);
    const std::string dir = fresh_dir("cls_resumed");
    TrainSummary first = run(dir, official ? 5 : 2, false), rest = run(dir, 0, true);
    std::vector<double> joined = first.losses;
    joined.insert(joined.end(), rest.losses.begin(), rest.losses.end());
    REQUIRE(joined.size() == straight.losses.size());
    for (size_t i = 0; i < joined.size(); ++i) CHECK(joined[i] == straight.losses[i]);
    CHECK(metric(rest.final_eval, "loss") == metric(straight.final_eval, "loss"));
  }
}

TEST_CASE("classification task: epoch sampling sees every example once per epoch, the old way repeats some") {
  nn::LraForSequenceClassification model(tiny_lra("fnet"), 3);
  // The tokens a task reports over 8 steps of 8 (one epoch of 64 examples): the examples' total exactly
  // when each example comes once.
  auto tokens_over_one_epoch = [&](bool epochs, uint64_t seed) {
    ClassificationTask task(model, synthetic(64, 1), synthetic(16, 2), {8, 0, true, epochs});
    Rng rng(seed);
    int64_t total = 0;
    for (int s = 0; s < 8; ++s) total += task.forward_next_batch(rng).figures.tokens;
    return total;
  };
  int64_t all_tokens = 0;
  for (const auto& e : synthetic(64, 1)) all_tokens += static_cast<int64_t>(e.ids.size());
  int64_t random_matches = 0;
  for (uint64_t seed : {5, 6, 7, 8}) {
    CHECK(tokens_over_one_epoch(true, seed) == all_tokens);  // every example exactly once
    random_matches += tokens_over_one_epoch(false, seed) == all_tokens;
  }
  CHECK(random_matches < 4);  // with replacement: some twice, some never (a seed may match by chance)
  // a checkpoint's sampler state from another kind of run is refused
  ClassificationTask random_task(model, synthetic(64, 1), synthetic(16, 2), {8, 0, true, false});
  CHECK_THROWS_WITH_AS(random_task.set_sampler_state("1 7 3"), doctest::Contains("sampler state"), Error);
  ClassificationTask epoch_task(model, synthetic(64, 1), synthetic(16, 2), {8, 0, true, true});
  CHECK_THROWS_WITH_AS(epoch_task.set_sampler_state(""), doctest::Contains("no sampler state"), Error);
}
