// `ponet lra listops`: the LRA ListOps task end to end with any token mixer: data (generated with LRA's
// rules, or read from LRA-format TSV files), the LRA family model, the trainer with best-dev checkpoints,
// then one test pass of the best checkpoint beside the majority-class baseline.
#include <omp.h>
#include <sys/stat.h>

#include <cstdio>
#include <map>

#include "apps/args.h"
#include "apps/commands.h"
#include "core/error.h"
#include "data/listops.h"
#include "io/atomic_file.h"
#include "nn/json_text.h"
#include "nn/lra.h"
#include "train/checkpoint.h"
#include "train/classification_task.h"
#include "train/trainer.h"

namespace ponet::app {

namespace {

// The official LRA ListOps recipe (lra_config.py) and a CPU-sized one with the same model.
struct Preset {
  int64_t train, dev, test, min_length, max_length, steps, warmup, eval_every;
  double lr;
};
// paper: 96000/2000/2000 trees of 500 < length < 2000, 5000 steps, warmup 1000, eval every 50.
// cpu: trees of 100 < length < 400 and a fifth of the data, so that one mixer trains in well under 30
// minutes on 2 cores; the same model, optimiser, batch and learning rate, 2000 steps.
const std::map<std::string, Preset> kPresets = {
    {"paper", {96000, 2000, 2000, 500, 2000, 5000, 1000, 50, 1e-4}},
    {"cpu", {20000, 1000, 1000, 100, 400, 2000, 400, 100, 1e-4}},
};

// The official ListOps model (the same as apps/configs/lra_listops.json).
const char* kListOpsModel = R"({"family": "lra", "attn_type": "ponet", "vocab_size": 32, "embedding_dim": 64,
  "transformer_dim": 64, "transformer_hidden_dim": 128, "head_dim": 32, "num_head": 2, "num_layers": 2,
  "max_seq_len": 2000, "dropout_prob": 0.1, "attention_dropout": 0.1, "pooling_mode": "MEAN", "num_classes": 10,
  "segment_num": 64})";

nn::LraConfig listops_model(const std::string& mixer, int64_t max_len) {
  nn::LraConfig c = nn::LraConfig::from_json(kListOpsModel, "built-in ListOps model");
  c.attn_type = mixer;
  c.max_seq_len = max_len;
  c.vocab_size = std::max<int64_t>(c.vocab_size, data::kListOpsVocabSize);
  c.validate();
  return c;
}

std::vector<data::ClassificationExample> to_examples(const std::vector<data::ListOpsExample>& in) {
  std::vector<data::ClassificationExample> out;
  out.reserve(in.size());
  for (const auto& e : in) out.push_back({data::listops_token_ids(e.source), e.target, {}});
  return out;
}

// The accuracy of always answering the most frequent training label.
double majority_accuracy(const std::vector<data::ClassificationExample>& train_set,
                         const std::vector<data::ClassificationExample>& test_set, int64_t& label) {
  std::map<int64_t, int64_t> counts;
  for (const auto& e : train_set) ++counts[e.label];
  label = 0;
  for (auto& [l, n] : counts)
    if (n > counts[label]) label = l;
  int64_t hits = 0;
  for (const auto& e : test_set) hits += e.label == label;
  return test_set.empty() ? 0.0 : static_cast<double>(hits) / test_set.size();
}

data::ListOpsSplits load_or_generate(const Args& a, const Preset& p) {
  if (!a.str("data").empty()) {
    const std::string dir = a.str("data");
    return {data::read_listops_tsv(dir + "/basic_train.tsv"), data::read_listops_tsv(dir + "/basic_val.tsv"),
            data::read_listops_tsv(dir + "/basic_test.tsv")};
  }
  data::ListOpsOptions o;
  o.train = a.is_set("train") ? a.integer("train") : p.train;
  o.dev = a.is_set("dev") ? a.integer("dev") : p.dev;
  o.test = a.is_set("test") ? a.integer("test") : p.test;
  o.min_length = a.is_set("min-length") ? a.integer("min-length") : p.min_length;
  o.max_length = a.is_set("max-length") ? a.integer("max-length") : p.max_length;
  o.seed = static_cast<uint64_t>(a.integer("data-seed"));
  return data::generate_listops(o);
}

}  // namespace

int cmd_lra(int argc, char** argv) {
  Args a("lra", "LRA ListOps: generate the data, or train and test the LRA model with one token mixer.");
  a.positional("task", "the LRA task (listops)");
  a.option("mixer", "ponet", "token mixer: ponet, softmax or fnet");
  a.option("preset", "cpu", "paper (the official recipe) or cpu (shorter sequences, fewer examples, same model)");
  a.option("make-data", "", "write DIR/basic_{train,val,test}.tsv in the LRA release's format and exit");
  a.option("data", "", "read DIR/basic_{train,val,test}.tsv (LRA's release or --make-data) instead of generating");
  a.option("train", "0", "training trees to generate (default: the preset's)");
  a.option("dev", "0", "dev trees (default: the preset's)");
  a.option("test", "0", "test trees (default: the preset's)");
  a.option("min-length", "0", "trees longer than this (default: the preset's)");
  a.option("max-length", "0", "trees shorter than this; also the model's padded length (default: the preset's)");
  a.option("data-seed", "0", "seed of the generated trees");
  a.option("steps", "0", "optimizer steps (default: the preset's)");
  a.option("seed", "0", "seed for initialisation, batches and dropout");
  a.option("out", "", "run directory (default: runs/listops-<mixer>-<preset>-s<seed>)");
  a.option("device", "cpu", "cpu or cuda");
  a.option("threads", "0", "OpenMP threads (0: all cores)");
  a.flag("quiet", "no progress output");
  if (!a.parse(argc, argv)) return 0;
  PONET_CHECK(a.str("task") == "listops", "unknown LRA task '", a.str("task"), "' (only listops is implemented)");
  auto preset_it = kPresets.find(a.str("preset"));
  PONET_CHECK(preset_it != kPresets.end(), "--preset must be paper or cpu, got '", a.str("preset"), "'");
  const Preset& p = preset_it->second;
  apply_threads_option(a);

  if (!a.str("make-data").empty()) {
    const std::string dir = a.str("make-data");
    ::mkdir(dir.c_str(), 0755);
    data::ListOpsSplits s = load_or_generate(a, p);
    data::write_listops_tsv(dir + "/basic_train.tsv", s.train);
    data::write_listops_tsv(dir + "/basic_val.tsv", s.dev);
    data::write_listops_tsv(dir + "/basic_test.tsv", s.test);
    std::printf("wrote %zu / %zu / %zu trees to %s/basic_{train,val,test}.tsv\n", s.train.size(), s.dev.size(),
                s.test.size(), dir.c_str());
    return 0;
  }

  const Device device = Device::parse(a.str("device"));
  PONET_CHECK(!device.is_cuda() || cuda_available(), "--device cuda: no CUDA device is available");
  const std::string mixer = a.str("mixer");
  const uint64_t seed = static_cast<uint64_t>(a.integer("seed"));
  const std::string out = a.str("out").empty()
                              ? "runs/listops-" + mixer + "-" + a.str("preset") + "-s" + std::to_string(seed)
                              : a.str("out");
  const int64_t max_len = a.is_set("max-length") ? a.integer("max-length") : p.max_length;
  nn::LraConfig config = listops_model(mixer, max_len);

  data::ListOpsSplits s = load_or_generate(a, p);
  std::vector<data::ClassificationExample> train_set = to_examples(s.train), dev_set = to_examples(s.dev),
                                            test_set = to_examples(s.test);
  int64_t longest = 0;
  for (const auto* split : {&train_set, &dev_set, &test_set})
    for (const auto& e : *split) longest = std::max<int64_t>(longest, static_cast<int64_t>(e.ids.size()));
  PONET_CHECK(longest <= max_len, "ListOps data has a sequence of ", longest, " tokens, more than the padded length ",
              max_len, " (raise --max-length)");

  ::mkdir("runs", 0755);
  ::mkdir(out.c_str(), 0755);
  nn::LraForSequenceClassification model(config, seed);
  model.to(device);
  io::write_file_atomically(out + "/config.json", config.to_json() + "\n");
  // The official code pads every sequence to max_seq_len; MEAN pooling divides by that length.
  train::ClassificationTask task(model, train_set, dev_set, {32, max_len, true});
  train::TrainerOptions to;
  to.out_dir = out;
  to.steps = a.integer("steps") > 0 ? a.integer("steps") : p.steps;
  to.warmup_steps = std::min(p.warmup, to.steps);
  to.lr = static_cast<float>(p.lr);
  to.weight_decay = 0.f;
  to.adam_eps = 1e-6f;
  to.eval_every = p.eval_every;
  to.checkpoint_every = 10 * p.eval_every;
  to.best_metric = "accuracy";
  to.quiet = a.is_set("quiet");
  std::fprintf(stderr, "ListOps (%s preset): %zu / %zu / %zu examples, padded length %lld; LRA model, mixer %s, %lld parameters, device %s\n",
               a.str("preset").c_str(), train_set.size(), dev_set.size(), test_set.size(),
               static_cast<long long>(max_len), mixer.c_str(), static_cast<long long>(model.num_parameters()),
               device.str().c_str());
  train::Trainer trainer(task, to, seed);
  train::TrainSummary summary = trainer.run();

  // one test pass of the best-dev checkpoint
  train::load_checkpoint(trainer.best_path(), model, nullptr);
  model.eval();
  train::Metrics test = task.evaluate_on(test_set);
  int64_t majority_label = 0;
  const double majority = majority_accuracy(train_set, test_set, majority_label);
  nlohmann::json result = {{"task", "listops"},
                           {"mixer", mixer},
                           {"preset", a.str("preset")},
                           {"seed", seed},
                           {"steps", summary.steps_done},
                           {"seconds", summary.seconds},
                           {"best_dev_accuracy", summary.best},
                           {"best_step", summary.best_step},
                           {"test_accuracy", train::metric(test, "accuracy")},
                           {"test_macro_f1", train::metric(test, "macro_f1")},
                           {"majority_label", majority_label},
                           {"majority_test_accuracy", majority}};
  io::write_file_atomically(out + "/results.json", nn::json_text(result, 2) + "\n");
  std::printf("ListOps %s (%s preset, seed %llu): best dev accuracy %.2f%% (step %lld); test accuracy %.2f%%, macro-F1 %.2f%%; majority class %lld: %.2f%%; %lld steps in %.0f s\n",
              mixer.c_str(), a.str("preset").c_str(), static_cast<unsigned long long>(seed), 100 * summary.best,
              static_cast<long long>(summary.best_step), 100 * train::metric(test, "accuracy"),
              100 * train::metric(test, "macro_f1"), static_cast<long long>(majority_label), 100 * majority,
              static_cast<long long>(summary.steps_done), summary.seconds);
  std::printf("run directory: %s (results.json, best.safetensors, checkpoint.safetensors, log.jsonl, curves.svg)\n",
              out.c_str());
  return summary.interrupted ? 130 : 0;
}

}  // namespace ponet::app
