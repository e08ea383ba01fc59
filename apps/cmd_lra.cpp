// `ponet lra listops`: the LRA ListOps task end to end with any token mixer: data (generated with LRA's
// rules, or read from LRA-format TSV files), the LRA family model, the trainer with best-dev checkpoints,
// then one test pass of the best checkpoint beside the majority-class baseline.
#include <omp.h>
#include <sys/stat.h>

#include <cstdio>
#include <map>
#include <sstream>

#include "apps/args.h"
#include "apps/builtin_configs.h"
#include "apps/commands.h"
#include "apps/common_options.h"
#include "apps/trainer_options.h"
#include "core/error.h"
#include "data/listops.h"
#include "io/atomic_file.h"
#include "io/json_text.h"
#include "nn/lra.h"
#include "nn/lra_config.h"
#include "nn/ponet_config.h"
#include "train/checkpoint.h"
#include "train/classification_task.h"
#include "train/trainer.h"

namespace ponet::app {

namespace {

// The official LRA ListOps recipe (lra_config.py, run_tasks.py) and a CPU-sized one with the same model.
struct Preset {
  int64_t train, dev, test, min_length, max_length, pad_to, segment_num, steps, warmup, eval_every;
  double lr;
};
// paper: 96000/2000/2000 trees of 500 < length < 2000, padded to 2048 as the official pickles are (2000
// + 48 zeros), PoNet segments of 2048 // 64 + 1 = 33 tokens; 5000 steps, warmup 1000, eval every 50.
// cpu: trees of 100 < length < 400 and a fifth of the data, so that one mixer trains in well under 30
// minutes on 2 cores; the same model, optimiser, batch and learning rate, 2000 steps. It keeps the
// official segment LENGTH (400 // 12 + 1 = 34 tokens), not the segment count: 64 segments of 400 tokens
// would be 7 tokens each, a much finer segment max-pool than the paper's (docs/lra.md).
const std::map<std::string, Preset> kPresets = {
    {"paper", {96000, 2000, 2000, 500, 2000, 2048, 64, 5000, 1000, 50, 1e-4}},
    {"cpu", {20000, 1000, 1000, 100, 400, 400, 12, 2000, 400, 100, 1e-4}},
};

// The official ListOps model.
constexpr const char* kListOpsModel = "lra_listops.json";

nn::LraConfig listops_model(const std::string& mixer, int64_t pad_to, int64_t segment_num) {
  nn::LraConfig c = nn::LraConfig::from_json(builtin_config(kListOpsModel), builtin_config_where(kListOpsModel));
  c.attn_type = mixer;
  c.max_seq_len = pad_to;
  c.segment_num = segment_num;
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
  a.option("preset", "cpu",
           "paper (the official recipe) or cpu (shorter sequences, fewer examples, same model); it gives the "
           "defaults of the data sizes, --steps, --warmup (the same fraction of --steps), --lr and --eval-every");
  a.option("make-data", "", "write DIR/basic_{train,val,test}.tsv in the LRA release's format and exit");
  a.option("data", "", "read DIR/basic_{train,val,test}.tsv (LRA's release or --make-data) instead of generating");
  a.option("train", "0", "training trees to generate (default: the preset's)");
  a.option("dev", "0", "dev trees (default: the preset's)");
  a.option("test", "0", "test trees (default: the preset's)");
  a.option("min-length", "0", "trees longer than this (default: the preset's)");
  a.option("max-length", "0", "trees shorter than this (default: the preset's)");
  a.option("pad-to", "0", "the padded length every sequence is run at (default: --max-length if given, else the preset's)");
  a.option("branches", "",
           "PoNet's pooling branches to keep, comma-separated from ga, smp, lmp (the paper's ablation; default: all)");
  a.option("segment-num", "0", "PoNet's segment count: segments of pad-to // segment-num + 1 tokens (default: the preset's)");
  // the official recipe: no weight decay, no clipping, OneCycleLR; the rest comes from the preset
  declare_trainer_options(a, {"", "", "", "0", "0", "one_cycle", "", "10"}, /*recorded=*/false);
  a.option("sampling", "epochs", "epochs (every example once per epoch, reshuffled, as the official code) or random (with replacement)");
  a.option("data-seed", "0", "seed of the generated trees");
  a.option("seed", "0", "seed for initialisation, batches and dropout");
  a.option("out", "", "run directory (default: runs/listops-<mixer>-<preset>-s<seed>)");
  declare_device_option(a);
  declare_precision_option(a);
  declare_threads_option(a);
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

  const Device device = device_option(a);
  const Precision precision = precision_option(a);
  const std::string mixer = a.str("mixer");
  const uint64_t seed = static_cast<uint64_t>(a.integer("seed"));
  // --branches: the names kept, read by the config's own rule (unknown, repeated or none: an error)
  PoNetBranches branches;
  if (!a.str("branches").empty()) {
    nlohmann::json names = nlohmann::json::array();
    std::stringstream list(a.str("branches"));
    for (std::string name; std::getline(list, name, ',');) names.push_back(name);
    branches = nn::read_ponet_branches(names, "--branches");
  }
  const std::string variant = branches.all() ? "" : "-" + a.str("branches");
  const std::string out = a.str("out").empty() ? "runs/listops-" + mixer + variant + "-" + a.str("preset") + "-s" +
                                                     std::to_string(seed)
                                               : a.str("out");
  const int64_t max_length = a.is_set("max-length") ? a.integer("max-length") : p.max_length;
  // the padded length: --pad-to, else --max-length when given (the longest tree it allows), else the preset's
  const int64_t max_len = a.integer("pad-to") > 0 ? a.integer("pad-to") : a.is_set("max-length") ? max_length : p.pad_to;
  const int64_t segment_num = a.integer("segment-num") > 0 ? a.integer("segment-num") : p.segment_num;
  const std::string sampling = a.str("sampling");
  PONET_CHECK(sampling == "epochs" || sampling == "random", "--sampling must be epochs or random, got '", sampling, "'");
  nn::LraConfig config = listops_model(mixer, max_len, segment_num);
  config.ponet_branches = branches;
  config.validate();  // --branches with another mixer is refused here, before the run directory exists
  if (!a.is_set("steps")) a.set("steps", std::to_string(p.steps));
  // other step counts keep the preset's warmup fraction (OneCycleLR's pct_start)
  if (!a.is_set("warmup")) a.set("warmup", std::to_string(p.warmup * a.integer("steps") / p.steps));
  if (!a.is_set("lr")) a.set("lr", nlohmann::json(p.lr).dump());
  if (!a.is_set("eval-every")) a.set("eval-every", std::to_string(p.eval_every));
  train::TrainerOptions to = read_trainer_options(a, out);
  to.adam_eps = 1e-6f;
  to.checkpoint_every = 10 * to.eval_every;
  to.best_metric = "accuracy";
  train::check_options(to);  // before the run directory exists, so a bad value leaves nothing behind

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
  train::ClassificationTask task(model, train_set, dev_set, {32, max_len, true, sampling == "epochs", precision});
  std::fprintf(stderr, "ListOps (%s preset): %zu / %zu / %zu examples, padded length %lld; LRA model, mixer %s, %lld parameters, device %s\n",
               a.str("preset").c_str(), train_set.size(), dev_set.size(), test_set.size(),
               static_cast<long long>(max_len), mixer.c_str(), static_cast<long long>(model.num_parameters()),
               device.str().c_str());
  std::fprintf(stderr, "recipe: lr %g, schedule %s, clip %s, sampling %s, %lld steps (warmup %lld)%s\n", to.lr,
               a.str("schedule").c_str(), to.max_grad_norm > 0 ? a.str("clip").c_str() : "none", sampling.c_str(),
               static_cast<long long>(to.steps), static_cast<long long>(to.warmup_steps),
               mixer == "ponet" ? (", " + std::to_string(segment_num) + " segments of " +
                                   std::to_string(max_len / segment_num + 1) + " tokens").c_str()
                                : "");
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
                           {"data_seed", a.integer("data-seed")},
                           {"recipe", {{"lr", io::json_float(to.lr)},
                                       {"schedule", a.str("schedule")},
                                       {"clip", io::json_float(to.max_grad_norm)},
                                       {"sampling", sampling},
                                       {"warmup", to.warmup_steps},
                                       {"pad_to", max_len},
                                       {"precision", precision_name(precision)},
                                       {"segment_num", segment_num},
                                       {"branches", nn::ponet_branch_names(branches)}}},
                           {"steps", summary.steps_done},
                           {"seconds", summary.seconds},
                           {"best_dev_accuracy", summary.best},
                           {"best_step", summary.best_step},
                           {"test_accuracy", train::metric(test, "accuracy")},
                           {"test_macro_f1", train::metric(test, "macro_f1")},
                           {"majority_label", majority_label},
                           {"majority_test_accuracy", majority}};
  io::write_file_atomically(out + "/results.json", io::json_text(result, 2) + "\n");
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
