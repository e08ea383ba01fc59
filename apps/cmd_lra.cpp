// `ponet lra TASK`: an LRA task end to end with any token mixer: the task's data (apps/lra_task.h; one
// file per task), the LRA family model, the trainer with best-dev checkpoints, then one test pass of the
// best checkpoint beside the majority-class baseline. What differs between tasks is their table entry.

#include <cstdio>
#include <map>
#include <sstream>

#include "apps/args.h"
#include "apps/builtin_configs.h"
#include "apps/commands.h"
#include "apps/common_options.h"
#include "apps/lra_self_pretrain.h"
#include "apps/lra_task.h"
#include "apps/trainer_options.h"
#include "core/error.h"
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

// The tasks of `ponet lra`.
const std::vector<LraTask>& lra_tasks() {
  static const std::vector<LraTask> tasks = {listops_lra_task(), image_lra_task(), pathfinder_lra_task()};
  return tasks;
}

std::string task_names(const char* separator) {
  std::string names;
  for (const LraTask& t : lra_tasks()) names += (names.empty() ? "" : separator) + t.name;
  return names;
}

const LraTask* find_task(const std::string& name) {
  for (const LraTask& t : lra_tasks())
    if (t.name == name) return &t;
  return nullptr;
}

// The task's official model with this run's mixer, length and segments.
nn::LraConfig task_model(const LraTask& t, const std::string& mixer, int64_t pad_to, int64_t segment_num) {
  nn::LraConfig c = nn::LraConfig::from_json(builtin_config(t.model_config), builtin_config_where(t.model_config));
  c.attn_type = mixer;
  c.max_seq_len = pad_to;
  c.segment_num = segment_num;
  c.vocab_size = std::max<int64_t>(c.vocab_size, t.vocab_size);
  c.num_classes = t.num_classes;
  c.validate();
  return c;
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

PoNetBranches branches_option(const Args& a) {
  PoNetBranches branches;
  if (a.str("branches").empty()) return branches;
  nlohmann::json names = nlohmann::json::array();
  std::stringstream list(a.str("branches"));
  for (std::string name; std::getline(list, name, ',');) names.push_back(name);
  return nn::read_ponet_branches(names, "--branches");  // unknown, repeated or none: an error
}

}  // namespace

int cmd_lra(int argc, char** argv) {
  // the task comes first: it declares its own data options
  const std::string task_word = argc > 0 && argv[0][0] != '-' ? argv[0] : "";
  const LraTask* task = find_task(task_word);
  PONET_CHECK(task_word.empty() || task, "unknown LRA task '", task_word, "' (", task_names(", "), ")");
  Args a("lra", "LRA tasks (" + task_names(", ") +
                    "): make the data, or train and test the LRA model with one token mixer. `ponet lra TASK "
                    "--help` lists the task's own options.");
  a.positional("task", "the LRA task: " + task_names(", "));
  a.option("mixer", "ponet", "token mixer: ponet, softmax or fnet");
  a.option("preset", "cpu",
           "paper (the official recipe) or cpu (smaller, same model); it gives the defaults of the data sizes, "
           "--pad-to, --segment-num, --batch, --steps, --warmup (the same fraction of --steps), --lr and --eval-every");
  if (!task || task->make_data) a.option("make-data", "", "write the task's data files to DIR and exit");
  a.option("train", "0", "training examples (default: the preset's)");
  a.option("dev", "0", "dev examples (default: the preset's)");
  a.option("test", "0", "test examples (default: the preset's)");
  if (task) task->declare_options(a);
  a.option("pad-to", "0", "the padded length every sequence is run at (default: the preset's)");
  a.option("branches", "",
           "PoNet's pooling branches to keep, comma-separated from ga, smp, lmp (the paper's ablation; default: all)");
  a.option("segment-num", "0", "PoNet's segment count: segments of pad-to // segment-num + 1 tokens (default: the preset's)");
  a.option("batch", "0", "batch size (default: the preset's)");
  // the official recipe: no weight decay, no clipping, OneCycleLR; the rest comes from the preset
  declare_trainer_options(a, {"", "", "", "0", "0", "one_cycle", "", "10"}, /*recorded=*/false);
  a.option("sampling", "epochs", "epochs (every example once per epoch, reshuffled, as the official code) or random (with replacement)");
  a.option("seed", "0", "seed for initialisation, batches and dropout");
  a.option("self-pretrain", "0",
           "first train the encoder for this many masked-token steps on the task's own training sequences "
           "(in OUT/self_pretrain; a finished one there is reused), then fine-tune from it; 0: off");
  a.option("self-pretrain-lr", "", "peak lr of the self-pretraining (default: the run's --lr)");
  a.option("out", "", "run directory (default: runs/<task>-<mixer>-<preset>-s<seed>, with -sp<STEPS> before -s<seed> when self-pretraining)");
  declare_compute_options(a);
  if (!a.parse(argc, argv)) return 0;
  PONET_CHECK(task, "ponet lra: the task comes first (ponet lra TASK [options]; TASK: ", task_names(", "), ")");
  auto preset_it = task->presets.find(a.str("preset"));
  PONET_CHECK(preset_it != task->presets.end(), "--preset must be paper or cpu, got '", a.str("preset"), "'");
  const LraPreset& p = preset_it->second;
  apply_threads_option(a);

  if (task->make_data && !a.str("make-data").empty()) {
    const std::string dir = a.str("make-data");
    io::make_directories(dir);
    task->make_data(a, p, dir);
    return 0;
  }

  const Device device = device_option(a);
  const Precision precision = precision_option(a);
  const std::string mixer = a.str("mixer");
  const uint64_t seed = static_cast<uint64_t>(a.integer("seed"));
  const PoNetBranches branches = branches_option(a);
  const std::string variant = branches.all() ? "" : "-" + a.str("branches");
  SelfPretrainPlan sp;
  sp.steps = a.integer("self-pretrain");
  PONET_CHECK(sp.steps >= 0, "--self-pretrain must be a step count >= 0 (0: off), got ", sp.steps);
  const std::string sp_tag = sp.steps > 0 ? "-sp" + std::to_string(sp.steps) : "";
  const std::string out = a.str("out").empty() ? "runs/" + task->name + "-" + mixer + variant + "-" + a.str("preset") +
                                                     sp_tag + "-s" + std::to_string(seed)
                                               : a.str("out");
  const int64_t max_len = a.integer("pad-to") > 0   ? a.integer("pad-to")
                          : task->default_pad_to ? task->default_pad_to(a, p)
                                                 : p.pad_to;
  const int64_t segment_num = a.integer("segment-num") > 0 ? a.integer("segment-num") : p.segment_num;
  const int64_t batch = a.is_set("batch") ? a.integer("batch") : p.batch;
  PONET_CHECK(batch >= 1 && batch <= 65536, "--batch must be in 1..65536, got ", batch);
  const std::string sampling = a.str("sampling");
  PONET_CHECK(sampling == "epochs" || sampling == "random", "--sampling must be epochs or random, got '", sampling, "'");
  nn::LraConfig config = task_model(*task, mixer, max_len, segment_num);
  config.ponet_branches = branches;
  if (sp.steps > 0) config = with_mask_row(config, task->vocab_size);  // both phases: the mask id's row
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
  if (sp.steps > 0) {
    sp.lr = a.str("self-pretrain-lr").empty() ? to.lr : static_cast<float>(a.number("self-pretrain-lr"));
    sp.task_vocab = task->vocab_size;
    sp.batch = batch;
    sp.pad_to = max_len;
    sp.epochs = sampling == "epochs";
    sp.precision = precision;
    sp.device = device;
    sp.seed = seed;
    sp.dir = out + "/self_pretrain";
    check_self_pretrain(sp, to);
  }
  PONET_CHECK(sp.steps > 0 || !a.is_set("self-pretrain-lr"), "--self-pretrain-lr needs --self-pretrain STEPS > 0");

  LraData d = task->load(a, p);
  PONET_CHECK(!d.train.empty() && !d.dev.empty() && !d.test.empty(), task->title, ": every split needs examples (",
              d.train.size(), " / ", d.dev.size(), " / ", d.test.size(), ")");
  int64_t longest = 0;
  for (const auto* split : {&d.train, &d.dev, &d.test})
    for (const auto& e : *split) longest = std::max<int64_t>(longest, static_cast<int64_t>(e.ids.size()));
  PONET_CHECK(longest <= max_len, task->title, " data has a sequence of ", longest,
              " tokens, more than the padded length ", max_len, task->name == "listops" ? " (raise --max-length)" : " (raise --pad-to)");

  io::make_directories(out);
  nn::LraForSequenceClassification model(config, seed);
  model.to(device);
  io::write_file_atomically(out + "/config.json", config.to_json() + "\n");
  // The official code pads every sequence to max_seq_len; MEAN pooling divides by that length.
  train::ClassificationTask cls(model, d.train, d.dev, {batch, max_len, true, sampling == "epochs", precision});
  std::fprintf(stderr, "%s (%s preset): %zu / %zu / %zu examples, padded length %lld; LRA model, mixer %s, %lld parameters, device %s\n",
               task->title.c_str(), a.str("preset").c_str(), d.train.size(), d.dev.size(), d.test.size(),
               static_cast<long long>(max_len), mixer.c_str(), static_cast<long long>(model.num_parameters()),
               device.str().c_str());
  std::fprintf(stderr, "recipe: batch %lld, lr %g, schedule %s, clip %s, sampling %s, %lld steps (warmup %lld)%s\n",
               static_cast<long long>(batch), to.lr, a.str("schedule").c_str(),
               to.max_grad_norm > 0 ? a.str("clip").c_str() : "none", sampling.c_str(),
               static_cast<long long>(to.steps), static_cast<long long>(to.warmup_steps),
               mixer == "ponet" ? (", " + std::to_string(segment_num) + " segments of " +
                                   std::to_string(max_len / segment_num + 1) + " tokens").c_str()
                                : "");
  SelfPretrainResult pretrained;
  if (sp.steps > 0) {
    pretrained = self_pretrain(config, d.train, d.dev, sp, to, model);
    if (pretrained.interrupted) return 130;
  }
  train::Trainer trainer(cls, to, seed);
  train::TrainSummary summary = trainer.run();

  // one test pass of the best-dev checkpoint
  train::load_checkpoint(trainer.best_path(), model, nullptr);
  model.eval();
  train::Metrics test = cls.evaluate_on(d.test);
  int64_t majority_label = 0;
  const double majority = majority_accuracy(d.train, d.test, majority_label);
  nlohmann::json result = {{"task", task->name},
                           {"mixer", mixer},
                           {"preset", a.str("preset")},
                           {"seed", seed},
                           {"examples", {d.train.size(), d.dev.size(), d.test.size()}},
                           {"recipe", {{"lr", io::json_float(to.lr)},
                                       {"batch", batch},
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
                           {"majority_test_accuracy", majority},
                           {"total_steps", pretrained.steps + summary.steps_done},
                           {"total_seconds", pretrained.seconds + summary.seconds}};
  if (sp.steps > 0) result["self_pretrain"] = pretrained.json();
  for (auto& [key, value] : d.record.items()) result[key] = value;
  io::write_file_atomically(out + "/results.json", io::json_text(result, 2) + "\n");
  std::printf("%s %s (%s preset, seed %llu): best dev accuracy %.2f%% (step %lld); test accuracy %.2f%%, macro-F1 %.2f%%; majority class %lld: %.2f%%; %lld steps in %.0f s\n",
              task->title.c_str(), mixer.c_str(), a.str("preset").c_str(), static_cast<unsigned long long>(seed),
              100 * summary.best, static_cast<long long>(summary.best_step), 100 * train::metric(test, "accuracy"),
              100 * train::metric(test, "macro_f1"), static_cast<long long>(majority_label), 100 * majority,
              static_cast<long long>(summary.steps_done), summary.seconds);
  std::printf("run directory: %s (results.json, best.safetensors, checkpoint.safetensors, log.jsonl, curves.svg%s)\n",
              out.c_str(), sp.steps > 0 ? ", self_pretrain/" : "");
  return summary.interrupted ? 130 : 0;
}

}  // namespace ponet::app
