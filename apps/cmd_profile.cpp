// `ponet profile`: where a PoNet pretraining step goes, kernel by kernel, against the machine's own
// measured limits (docs/profiling.md). Runs one warm-up step, then --steps profiled steps of the
// trainer's own step (train/step.h: forward, backward, gradient clipping at 1.0, AdamW on a linear
// schedule, zero_grad) on one random batch, and prints the profiler's table (core/profile_report.h).
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "apps/args.h"
#include "apps/commands.h"
#include "apps/common_options.h"
#include "apps/machine_limits.h"
#include "apps/pretrain_defaults.h"
#include "core/error.h"
#include "core/memory_stats.h"
#include "core/profile_report.h"
#include "io/atomic_file.h"
#include "io/json_text.h"
#include "nn/model_factory.h"
#include "nn/ponet_for_pretraining.h"
#include "train/optimizer.h"
#include "train/pretraining_task.h"
#include "train/run_dir.h"
#include "train/run_format.h"
#include "train/step.h"

namespace ponet::app {

namespace {

// names_vocab (when given) tells whether the file sets vocab_size itself.
nn::PoNetConfig read_ponet_config(const std::string& path, bool* names_vocab = nullptr) {
  const std::string text = io::read_file(path);
  const std::string family = nn::config_family(text, path);
  PONET_CHECK(family == "ponet", path, ": a config of family '", family,
              "'; `ponet profile` runs the PoNet pretraining step and needs a PoNet config (family \"ponet\")");
  nn::PoNetConfig config = nn::PoNetConfig::from_json(text, path);  // valid JSON from here on
  if (names_vocab) *names_vocab = nlohmann::json::parse(text).contains("vocab_size");
  return config;
}

// Random ids (as bench_ponet_step), a share mask_prob of them scored by MLM, random SSO labels. Without fixed chunks
// the segments come from CLS/SEP, so each row is shaped [CLS] A [SEP] B [SEP].
data::Batch random_batch(const nn::PoNetConfig& c, int64_t B, int64_t L, double mask_prob, Rng& rng) {
  std::vector<int64_t> ids(B * L), labels(B * L, -100), sso(B);
  for (int64_t i = 0; i < B * L; ++i) {
    ids[i] = rng.randint(1, c.vocab_size);
    if (rng.uniform() < mask_prob) labels[i] = ids[i];
  }
  if (c.segment_num == 0)
    for (int64_t b = 0; b < B; ++b) {
      ids[b * L] = c.cls_token_id;
      ids[b * L + L / 2] = ids[b * L + L - 1] = c.sep_token_id;
    }
  for (auto& s : sso) s = rng.randint(0, c.num_sso_labels);
  return data::full_rows_batch(ids, labels, sso, B, L);
}

nlohmann::json rows_json(const std::vector<profiler::ReportRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const profiler::ReportRow& r : rows)
    out.push_back({{"name", r.name},
                   {"phase", r.phase},
                   {"calls", r.calls},
                   {"ms", r.ms},
                   {"mean_ms", r.mean_ms},
                   {"percent_of_step", r.percent_of_step},
                   {"mbytes", r.mbytes},
                   {"gflop", r.gflop},
                   {"gbytes_per_s", r.gbytes_per_s},
                   {"gflop_per_s", r.gflop_per_s},
                   {"percent_of_bandwidth", r.percent_of_bandwidth},
                   {"percent_of_peak_flops", r.percent_of_peak_flops}});
  return out;
}

void check_writable_dir(const std::string& file) {
  const size_t slash = file.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : file.substr(0, slash == 0 ? 1 : slash);
  struct stat st;
  PONET_CHECK(::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode), "--json ", file, ": the directory ", dir,
              " does not exist");
}

}  // namespace

int cmd_profile(int argc, char** argv) {
  Args a("profile",
         "Profile PoNet pretraining steps: time, bytes and FLOPs per kernel (forward, backward, optimizer), "
         "achieved GB/s and GFLOP/s against the machine's measured limits, the allocator's peak.");
  a.option("config", "",
           "model config JSON (PoNet family; see apps/configs/); default: the LRA-size model of bench_ponet_step");
  a.option("run", "", "use the model config of this `ponet pretrain` run directory (weights stay random)");
  a.option("length", "",
           "tokens per sequence (default: 4096; with --config its max_position_embeddings, with --run its max_len)");
  a.option("vocab-size", "",
           "vocabulary of a --config without vocab_size (default: " + std::to_string(kPretrainVocabSize) +
               ", the vocabulary `ponet pretrain` trains "
           "with that config; a config or run that names its vocab_size keeps it)");
  a.option("mask-prob", "",
           "share of tokens scored by MLM (default: the training rate of the config's or run's `ponet pretrain`, "
           "0.15 for the LRA-size model)");
  a.option("batch", "32", "sequences per step");
  a.option("steps", "3", "profiled training steps, after one warm-up step");
  declare_compute_options(a);
  a.option("json", "", "also write the profile to this JSON file");
  a.option("recompute", "none", "what each layer recomputes in backward: none, gelu, ffn or all (nn/recompute.h)");
  if (!a.parse(argc, argv)) return 0;
  apply_threads_option(a);
  if (a.is_set("config") && a.is_set("run")) throw UsageError("--config and --run exclude each other");
  const Device device = device_option(a);
  const nn::Recompute recompute = nn::parse_recompute(a.str("recompute"));
  const Precision precision = precision_option(a);
  const int64_t B = a.integer("batch"), steps = a.integer("steps");
  PONET_CHECK(B > 0, "--batch must be positive, got ", B);
  PONET_CHECK(steps > 0, "--steps must be positive, got ", steps);
  const std::string json_path = a.str("json");
  if (!json_path.empty()) check_writable_dir(json_path);

  nn::PoNetConfig config;
  int64_t L = a.is_set("length") ? a.integer("length") : 4096;
  double mask_prob = 0.15;  // the LRA-size step's (bench_ponet_step); a pretraining run's is its own
  std::string source = "the LRA-size model of bench_ponet_step";
  if (a.is_set("config")) {
    source = a.str("config");
    bool names_vocab = false;
    config = read_ponet_config(source, &names_vocab);
    if (!a.is_set("length")) L = config.max_position_embeddings;
    // A pretraining config leaves the vocabulary to `ponet pretrain`, which trains --vocab-size
    // WordPiece tokens and writes that size into the run's config: profile the step it would run (its
    // vocabulary and its training mask rate), not BERT's default 30522, whose decoder and loss would
    // dominate the profile.
    mask_prob = kPretrainMaskProb;
    if (a.is_set("vocab-size") || !names_vocab) {
      config.vocab_size = a.is_set("vocab-size") ? a.integer("vocab-size") : kPretrainVocabSize;
      PONET_CHECK(config.vocab_size >= 32, "--vocab-size must be at least 32, got ", config.vocab_size);
      // the special tokens where a trained vocabulary puts them (text/tokenizer.h: [PAD] 0 ... [MASK] 4)
      config.pad_token_id = 0;
      config.cls_token_id = 2;
      config.sep_token_id = 3;
      config.mask_token_id = 4;
    }
  } else if (a.is_set("run")) {
    source = a.str("run") + "/config.json";
    config = read_ponet_config(source);
    const nlohmann::json run = train::read_run_json(a.str("run"), "pretrain");
    if (!a.is_set("length")) L = std::min(config.max_position_embeddings, run.at("max_len").get<int64_t>());
    mask_prob = run.at("mask_prob").get<double>();
  } else {
    PONET_CHECK(L > 0, "--length must be positive, got ", L);
    config = nn::PoNetConfig::lra_speed_benchmark(L);
  }
  PONET_CHECK(L > 0, "--length must be positive, got ", L);
  if (a.is_set("mask-prob")) {
    mask_prob = a.number("mask-prob");
    PONET_CHECK(mask_prob > 0 && mask_prob <= 1, "--mask-prob must be in (0, 1], got ", a.str("mask-prob"));
  }
  PONET_CHECK(L <= config.max_position_embeddings, "--length ", L, " exceeds the max_position_embeddings ",
              config.max_position_embeddings, " of ", source);

  const MachineLimits limits = measure_machine_limits(device);
  std::printf(
      "ponet profile: PoNetForPreTraining from %s\n  vocab %lld, hidden %lld, %lld layers, %lld heads, intermediate %lld, "
      "mixer %s; batch %lld x length %lld on %s, %s GEMMs, %.0f %% of tokens scored by MLM\n",
      source.c_str(), static_cast<long long>(config.vocab_size), static_cast<long long>(config.hidden_size),
      static_cast<long long>(config.num_hidden_layers),
      static_cast<long long>(config.num_attention_heads), static_cast<long long>(config.intermediate_size),
      config.mixer.c_str(), static_cast<long long>(B), static_cast<long long>(L), device.str().c_str(),
      precision_name(precision), 100 * mask_prob);
  std::printf("machine limits (measured now):\n%s\n", limits.describe().c_str());
  std::fflush(stdout);

  nn::PoNetForPreTraining model(config, 0);
  model.to(device);
  model.train();
  train::AdamW opt(model.named_parameters(), {});
  Rng rng(1);
  const data::Batch batch = random_batch(config, B, L, mask_prob, rng);
  train::PretrainingTask task(model, [&batch](Rng&) { return batch; }, B, {});
  task.set_recompute(recompute);
  task.set_precision(precision);
  train::StepConfig step_config;  // the trainer's clipping and schedule, over the warm-up and profiled steps
  step_config.lr = 1e-4f;
  step_config.total_steps = 1 + steps;
  int64_t index = 0;
  auto step = [&] { train::train_step(task, opt, step_config, index++, rng); };
  step();  // warm-up: lazy setup, the allocator's caches fill
  reset_peak_memory(device);
  profiler::reset();
  profiler::set_enabled(true);
  for (int64_t s = 0; s < steps; ++s) {
    profiler::begin_step(device);
    step();
    profiler::end_step(device);
  }
  profiler::set_enabled(false);
  const profiler::Peaks peaks{limits.bytes_per_s, limits.flops_per_s};
  const profiler::Report report = profiler::make_report(profiler::summary(), peaks);
  const size_t allocator_peak = memory_stats(device).peak, rss = process_max_rss_bytes();

  std::printf("per step, mean of %lld profiled steps after 1 warm-up step:\n%s\n", static_cast<long long>(steps),
              profiler::format_report(report, peaks).c_str());
  std::printf("step %.1f ms (%.0f tokens/s), kernels %.1f ms (%.1f %%)\n", report.step_ms,
              1e3 * static_cast<double>(B * L) / report.step_ms, report.kernel_ms,
              100 * report.kernel_ms / report.step_ms);
  std::printf("memory: allocator peak %.1f MiB on %s during the profiled steps, process peak RSS %.1f MiB\n",
              static_cast<double>(allocator_peak) / (1 << 20), device.str().c_str(),
              static_cast<double>(rss) / (1 << 20));

  if (!json_path.empty()) {
    nlohmann::json j = {{"model", nlohmann::json::parse(config.to_json())},
                        {"source", source},
                        {"batch", B},
                        {"length", L},
                        {"device", device.str()},
                        {"threads", limits.threads},
                        {"steps", steps},
                        {"machine",
                         {{"bandwidth_bytes_per_s", limits.bytes_per_s},
                          {"triad_elements", limits.triad_elements},
                          {"peak_flops_per_s", limits.flops_per_s},
                          {"gemm_size", limits.gemm_size}}},
                        {"step_ms", report.step_ms},
                        {"kernel_ms", report.kernel_ms},
                        {"allocator_peak_bytes", allocator_peak},
                        {"peak_rss_bytes", rss},
                        {"kernels", rows_json(report.kernels)},
                        {"backward_nodes", rows_json(report.backward_nodes)}};
    io::write_file_atomically(json_path, io::json_text(j, 2) + "\n");
    std::printf("wrote %s\n", json_path.c_str());
  }
  return 0;
}

}  // namespace ponet::app
