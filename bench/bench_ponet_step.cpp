// One PoNet training step (train/step.h: forward + backward + AdamW at a fixed lr, no clipping) at the
// LRA-text size: hidden 64, intermediate 128, 2 heads, 2 layers, batch 32, byte vocabulary, fixed
// 4-chunk segments, for sequence lengths 512 .. 16384. Prints steps/s, tokens/s, the allocator's peak
// tensor memory during a step on the device, and the process's peak resident memory so far (lengths
// grow, so it is the latest length's).
//   usage: bench_ponet_step [cpu|cuda] [max_length] [batch]
//
// `--result` mode runs exactly the step of ../shared/bench/perf_step.cpp (the side-by-side harness
// against PyTorch) and prints its `RESULT ours ...` line, so `PERF_STEP="build/bench_ponet_step --result"
// python3 ../shared/bench/compare.py ...` times this project's own code whatever its API becomes:
//   bench_ponet_step --result lra L [reps=3] [batch=32]   the LRA-size step above, one length
//   bench_ponet_step --result tiny [reps=5] [batch=32]    the default pretraining step: tiny.json,
//       vocab 4000, L 128, [CLS] A [SEP] B [SEP] padding with segment ids, gradient clipping at 1.0
//   bench_ponet_step --result --recompute LEVEL ...       either, recomputing LEVEL in backward
//       (none, gelu, ffn, all: nn/recompute.h), e.g. for ../shared/bench/mem.sh
//   bench_ponet_step --result --precision bf16 ...        either, with bf16 GEMMs (docs/precision.md)
//   bench_ponet_step --precision-ratio [tiny|lra] [reps=9] [batch=32]   the step in fp32 and in bf16,
//       alternated step by step on two identical models, medians and the ratio fp32 / bf16
// One warm-up step, then `reps` timed steps (forward, backward, clip in the tiny mode, AdamW, zero_grad);
// the median. Every mode runs train/step.h's step on one fixed batch with lr 1e-4 at every step, as the
// harness does; the step also counts the batch's MLM and SSO accuracies, which the harness does not.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "autograd/grad_mode.h"
#include "core/error.h"
#include "core/memory_stats.h"
#include "core/omp_wait_policy.h"
#include "kernels/cpu/gemm_bf16.h"
#include "nn/ponet_for_pretraining.h"
#include "train/optimizer.h"
#include "train/pretraining_task.h"
#include "train/step.h"

using namespace ponet;

namespace {

data::Batch random_batch(int64_t B, int64_t L, int64_t V, Rng& rng) {
  std::vector<int64_t> ids(B * L), labels(B * L, -100), sso(B);
  for (int64_t i = 0; i < B * L; ++i) {
    ids[i] = rng.randint(1, V);
    if (rng.uniform() < 0.15f) labels[i] = ids[i];
  }
  for (auto& s : sso) s = rng.randint(0, 3);
  return data::full_rows_batch(ids, labels, sso, B, L);
}

// A pretraining-shaped batch: [CLS] A [SEP] B [SEP] padding, 96..128 real tokens, A about half, with the
// official segment numbering for one sentence per side (CLS 0, A 1, SEP 2, B 3, SEP 4, padding 5) and
// 15 % of the sentence tokens scored. The same draws, in the same order, as the harness's perf_step.
data::Batch pretraining_batch(int64_t B, int64_t L, int64_t V, Rng& rng) {
  std::vector<int64_t> ids(B * L), labels(B * L, -100), sso(B), mask(B * L, 1), tt(B * L, 0), seg(B * L, 0);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = 96 + rng.randint(0, 33);
    const int64_t la = std::max<int64_t>(1, (n - 3) / 2 + rng.randint(-10, 11));
    const int64_t lb = n - 3 - la;
    int64_t p = b * L;
    auto put = [&](int64_t id, int64_t type, int64_t segment, bool scorable) {
      ids[p] = id;
      tt[p] = type;
      seg[p] = segment;
      if (scorable && rng.uniform() < 0.15f) labels[p] = id;
      ++p;
    };
    put(101, 0, 0, false);
    for (int64_t i = 0; i < la; ++i) put(rng.randint(104, V), 0, 1, true);
    put(102, 0, 2, false);
    for (int64_t i = 0; i < lb; ++i) put(rng.randint(104, V), 1, 3, true);
    put(102, 1, 4, false);
    for (; p < (b + 1) * L; ++p) {
      ids[p] = 0;
      seg[p] = 5;
      mask[p] = 0;
    }
  }
  for (auto& s : sso) s = rng.randint(0, 3);
  data::Batch batch;
  batch.input_ids = Tensor::from_vector_i64(ids, {B, L});
  batch.labels = Tensor::from_vector_i64(labels, {B, L});
  batch.next_sentence_label = Tensor::from_vector_i64(sso, {B});
  batch.attention_mask = Tensor::from_vector_i64(mask, {B, L});
  batch.token_type_ids = Tensor::from_vector_i64(tt, {B, L});
  batch.segment_ids = Tensor::from_vector_i64(seg, {B, L});
  for (int64_t m : mask) batch.num_tokens += m;
  return batch;
}

// The harness's update: lr 1e-4 at every step, the global gradient norm clipped at 1.0 or not at all.
train::StepConfig harness_step(bool clip) {
  train::StepConfig c;
  c.lr = 1e-4f;
  c.schedule = train::Schedule::constant;
  c.max_grad_norm = clip ? 1.0f : 0.f;
  return c;
}

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The harness's step, timed; prints every rep and the RESULT line compare.py parses.
int result_mode(int argc, char** argv) {
  int a = 2;
  nn::Recompute recompute = nn::Recompute::none;
  Precision precision = Precision::fp32;
  for (bool more = true; more;) {  // --recompute R and --precision P, in any order, before the mode
    more = false;
    if (argc > a + 1 && std::string(argv[a]) == "--recompute") recompute = nn::parse_recompute(argv[a + 1]), a += 2, more = true;
    if (argc > a + 1 && std::string(argv[a]) == "--precision") precision = parse_precision(argv[a + 1]), a += 2, more = true;
  }
  const std::string mode = argc > a ? argv[a] : "lra";
  PONET_CHECK(mode == "lra" || mode == "tiny", "--result: mode must be lra or tiny, got '", mode, "'");
  const bool lra = mode == "lra";
  ++a;
  auto arg = [&](int64_t fallback) { return argc > a ? std::atoll(argv[a++]) : fallback; };
  const int64_t L = lra ? arg(1024) : 128;
  const int64_t reps = arg(lra ? 3 : 5), B = arg(32);
  PONET_CHECK(L > 0 && reps > 0 && B > 0, "--result: length, reps and batch must be positive");
  nn::PoNetConfig c = lra ? nn::PoNetConfig::lra_speed_benchmark(L)
                          : nn::PoNetConfig::from_file(PONET_SOURCE_DIR "/apps/configs/tiny.json");
  if (!lra) c.vocab_size = 4000;
  nn::PoNetForPreTraining model(c, 0);
  model.train();
  train::AdamW opt(model.named_parameters(), {});
  Rng rng(1);
  const data::Batch batch = lra ? random_batch(B, L, c.vocab_size, rng) : pretraining_batch(B, L, c.vocab_size, rng);
  train::PretrainingTask task(model, [&batch](Rng&) { return batch; }, B, {});
  task.set_recompute(recompute);
  task.set_precision(precision);
  const train::StepConfig config = harness_step(!lra);  // the harness clips in the tiny mode only
  double last_loss = 0;
  int64_t index = 0;
  auto step = [&] { last_loss = train::train_step(task, opt, config, index++, rng).batch.loss; };
  step();  // warm-up
  std::vector<double> t;
  for (int64_t r = 0; r < reps; ++r) {
    const double t0 = now_ms();
    step();
    t.push_back(now_ms() - t0);
  }
  std::printf("ours mode=%s L=%lld B=%lld reps:", mode.c_str(), static_cast<long long>(L), static_cast<long long>(B));
  for (double x : t) std::printf(" %.1f", x);
  std::sort(t.begin(), t.end());
  std::printf("\nRESULT ours %s %lld median_ms %.2f loss %.4f\n", mode.c_str(), static_cast<long long>(L),
              t[t.size() / 2], last_loss);
  return 0;
}

// The same step in fp32 and bf16 on two identical models, timed alternately (so both see the same
// machine noise): the medians and their ratio.
int precision_ratio_mode(int argc, char** argv) {
  const std::string mode = argc > 2 ? argv[2] : "tiny";
  PONET_CHECK(mode == "lra" || mode == "tiny", "--precision-ratio: mode must be lra or tiny, got '", mode, "'");
  const bool lra = mode == "lra";
  const int64_t reps = argc > 3 ? std::atoll(argv[3]) : 9, B = argc > 4 ? std::atoll(argv[4]) : 32;
  const int64_t L = lra ? 1024 : 128;
  PONET_CHECK(reps > 0 && B > 0, "--precision-ratio: reps and batch must be positive");
  nn::PoNetConfig c = lra ? nn::PoNetConfig::lra_speed_benchmark(L)
                          : nn::PoNetConfig::from_file(PONET_SOURCE_DIR "/apps/configs/tiny.json");
  if (!lra) c.vocab_size = 4000;
  Rng batch_rng(1);
  const data::Batch batch = lra ? random_batch(B, L, c.vocab_size, batch_rng) : pretraining_batch(B, L, c.vocab_size, batch_rng);
  struct Run {
    std::unique_ptr<nn::PoNetForPreTraining> model;
    std::unique_ptr<train::AdamW> opt;
    std::unique_ptr<train::PretrainingTask> task;
    Rng rng{1};
    int64_t index = 0;
    std::vector<double> ms;
    double loss = 0;
  };
  Run runs[2];
  const Precision precisions[2] = {Precision::fp32, Precision::bf16};
  const train::StepConfig config = harness_step(!lra);
  for (int i = 0; i < 2; ++i) {
    Run& r = runs[i];
    r.model = std::make_unique<nn::PoNetForPreTraining>(c, 0);
    r.model->train();
    r.opt = std::make_unique<train::AdamW>(r.model->named_parameters(), train::AdamWOptions{});
    r.task = std::make_unique<train::PretrainingTask>(*r.model, [&batch](Rng&) { return batch; }, B,
                                                      std::vector<data::Batch>{});
    r.task->set_precision(precisions[i]);
  }
  auto step = [&](Run& r) {
    const double t0 = now_ms();
    r.loss = train::train_step(*r.task, *r.opt, config, r.index++, r.rng).batch.loss;
    return now_ms() - t0;
  };
  for (Run& r : runs) step(r);  // warm-up
  for (int64_t k = 0; k < reps; ++k)
    for (Run& r : runs) r.ms.push_back(step(r));
  double median[2];
  for (int i = 0; i < 2; ++i) {
    std::sort(runs[i].ms.begin(), runs[i].ms.end());
    median[i] = runs[i].ms[runs[i].ms.size() / 2];
  }
  std::printf("PoNet step, %s mode, L %lld, B %lld, %lld alternated reps, bf16 GEMM kernel %s\n", mode.c_str(),
              static_cast<long long>(L), static_cast<long long>(B), static_cast<long long>(reps),
              cpu::gemm_bf16_micro_kernel_name());
  std::printf("fp32 median %.1f ms (loss %.4f)   bf16 median %.1f ms (loss %.4f)   fp32/bf16 %.2f\n", median[0],
              runs[0].loss, median[1], runs[1].loss, median[0] / median[1]);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  choose_omp_wait_policy(argv);  // as the ponet CLI does (core/omp_wait_policy.h)
  try {
    if (argc > 1 && std::string(argv[1]) == "--result") return result_mode(argc, argv);
    if (argc > 1 && std::string(argv[1]) == "--precision-ratio") return precision_ratio_mode(argc, argv);
    const Device device = Device::parse(argc > 1 ? argv[1] : "cpu");
    const int64_t max_len = argc > 2 ? std::atoll(argv[2]) : 16384;
    const int64_t B = argc > 3 ? std::atoll(argv[3]) : 32;
    if (device.is_cuda() && !cuda_available()) {
      std::printf("no CUDA device: nothing to measure\n");
      return 0;
    }
    std::printf("PoNet training step, LRA-text size (hidden 64, 2 layers, 2 heads), batch %lld, device %s\n",
                static_cast<long long>(B), device.str().c_str());
    std::printf("%8s %10s %12s %14s %14s %14s\n", "length", "ms/step", "steps/s", "tokens/s", "peak MiB",
                "max RSS MiB");
    for (int64_t L = 512; L <= max_len; L *= 2) {
      empty_cache(device);  // the previous length's blocks go back, so max RSS is this length's
      nn::PoNetConfig c = nn::PoNetConfig::lra_speed_benchmark(L);
      nn::PoNetForPreTraining model(c, 0);
      model.to(device);
      model.train();
      train::AdamW opt(model.named_parameters(), {});
      Rng rng(1);
      const data::Batch batch = random_batch(B, L, c.vocab_size, rng);
      train::PretrainingTask task(model, [&batch](Rng&) { return batch; }, B, {});
      const train::StepConfig config = harness_step(false);
      int64_t index = 0;
      auto step = [&] {
        train::train_step(task, opt, config, index++, rng);
        if (device.is_cuda()) cuda_synchronize();  // a cpu run never touches the CUDA runtime
      };
      step();  // warm-up (and the caching allocator fills up)
      reset_peak_memory(device);
      const int reps = L <= 2048 ? 3 : 1;
      auto t0 = std::chrono::steady_clock::now();
      for (int r = 0; r < reps; ++r) step();
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
      const double peak = static_cast<double>(memory_stats(device).peak) / (1 << 20);
      const double rss = static_cast<double>(process_max_rss_bytes()) / (1 << 20);
      std::printf("%8lld %10.1f %12.3f %14.0f %14.0f %14.0f\n", static_cast<long long>(L), 1e3 * s, 1.0 / s,
                  B * L / s, peak, rss);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ponet_step: %s\n", e.what());
    return 1;
  }
  return 0;
}
