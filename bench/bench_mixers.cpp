// The paper's Table 2: training speed and memory of each token mixer against sequence length, at the LRA
// text size (dim 64, ff 128, 2 heads of 32, 2 layers, batch 32, byte vocabulary, MEAN pooling, 2 classes),
// for L = 512, 1024, ..., 16384. One cell = one LraForSequenceClassification trained with AdamW on random
// bytes: a warm-up step, then timed steps (forward + backward + clip + AdamW) until --min-seconds passed.
// Prints steps/s, tokens/s, the allocator's peak memory (and on CPU the cell's max RSS), and the ratios to
// softmax attention at the same length, measured in the same run.
//
// Every cell runs in a child process: its max RSS is its own, and a cell that runs past --time-cap is
// killed and printed as "skipped (cap)". A cell whose estimated memory exceeds --mem-cap-gib is not
// started ("skipped (cap)"), and neither is a longer length of a mixer that already hit a cap.
//
// GEMMs on CUDA are fp32 by default, like the CPU's, so every mixer's cell times fp32 arithmetic; --tf32
// (or PONET_CUDA_TF32=1) lets cuBLAS use TF32 tensor cores. The header says which mode ran.
//   usage: bench_mixers [cpu|cuda] [--lengths 512,1024,...] [--batch 32] [--mixers softmax,fnet,ponet]
//                       [--time-cap 300] [--mem-cap-gib G] [--min-seconds 3] [--threads N] [--tf32]
#include <omp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "autograd/grad_mode.h"
#include "core/device.h"
#include "core/error.h"
#include "core/memory_stats.h"
#include "core/omp_wait_policy.h"
#include "nn/lra.h"
#include "train/grad_clip.h"
#include "train/optimizer.h"

using namespace ponet;

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string device = "cpu";
  std::vector<int64_t> lengths = {512, 1024, 2048, 4096, 8192, 16384};
  std::vector<std::string> mixers = {"softmax", "fnet", "ponet"};
  int64_t batch = 32;
  double time_cap = 300, mem_cap_gib = 0, min_seconds = 3;
  int threads = 0;
};

struct Cell {
  bool ran = false;
  std::string why;  // when not ran
  double steps_per_s = 0, tokens_per_s = 0, peak_bytes = 0, rss_bytes = 0;
};

nn::LraConfig text_config(const std::string& mixer, int64_t L) {
  nn::LraConfig c;
  c.attn_type = mixer;
  c.vocab_size = 256;
  c.embedding_dim = c.transformer_dim = 64;
  c.transformer_hidden_dim = 128;
  c.num_head = 2;
  c.head_dim = 32;
  c.num_layers = 2;
  c.max_seq_len = L;
  c.num_classes = 2;
  c.segment_num = 4096;  // the official text setting (lra_config.py)
  return c;
}

// An estimate of one training step's peak tensor memory, to refuse cells that cannot fit, calibrated on
// the CPU runs in docs/results.md (which it overestimates by about 20%): about 12 [B, L, D] activations
// per layer, plus for softmax the probabilities P [B, h, L, L] that each layer keeps for backward and
// half such a matrix of transient workspace.
double estimated_bytes(const std::string& mixer, int64_t B, int64_t L) {
  const double act = 4.0 * B * L * 64, layers = 2;
  double bytes = layers * 12 * act;
  if (mixer == "softmax") bytes += (layers + 0.5) * 4.0 * B * 2 * static_cast<double>(L) * L;
  return bytes;
}

// Runs one cell in this (child) process and returns its figures.
Cell run_cell(const Options& o, const std::string& mixer, int64_t L) {
  const Device dev = Device::parse(o.device);
  if (o.threads > 0) omp_set_num_threads(o.threads);
  nn::LraForSequenceClassification model(text_config(mixer, L), 0);
  model.to(dev);
  train::AdamW opt(model.named_parameters(), train::AdamWOptions{1e-4f, 0.9f, 0.999f, 1e-8f, 0.f});
  Rng rng(1);
  std::vector<int64_t> ids(o.batch * L), labels(o.batch);
  for (auto& v : ids) v = rng.randint(1, 256);
  for (auto& v : labels) v = rng.randint(0, 2);
  const Tensor input_ids = Tensor::from_vector_i64(ids, {o.batch, L}), y = Tensor::from_vector_i64(labels, {o.batch});
  auto step = [&] {
    nn::LraOutputs out = model.forward({input_ids, y});
    out.loss.backward();
    train::clip_grad_norm(model.parameters(), 1.0);
    opt.step(1e-4f);
    opt.zero_grad();
    cuda_synchronize();
  };
  reset_peak_memory(dev);
  step();  // warm-up: allocator caches, plans, first-touch pages
  int steps = 0;
  const auto t0 = Clock::now();
  double elapsed = 0;
  while (steps < 2 || elapsed < o.min_seconds) {
    step();
    ++steps;
    elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  Cell c;
  c.ran = true;
  c.steps_per_s = steps / elapsed;
  c.tokens_per_s = c.steps_per_s * o.batch * L;
  c.peak_bytes = static_cast<double>(memory_stats(dev).peak);
  c.rss_bytes = static_cast<double>(process_max_rss_bytes());
  return c;
}

// Forks a child for the cell; kills it past the time cap.
Cell run_cell_in_child(const Options& o, const std::string& mixer, int64_t L) {
  int fd[2];
  if (pipe(fd) != 0) return {false, "pipe failed"};
  const pid_t pid = fork();
  if (pid == 0) {
    close(fd[0]);
    char line[256];
    try {
      Cell c = run_cell(o, mixer, L);
      std::snprintf(line, sizeof line, "ok %.17g %.17g %.17g %.17g\n", c.steps_per_s, c.tokens_per_s, c.peak_bytes,
                    c.rss_bytes);
    } catch (const std::exception& e) {
      std::snprintf(line, sizeof line, "error %.200s\n", e.what());
    }
    if (write(fd[1], line, std::strlen(line)) < 0) _exit(2);
    _exit(0);
  }
  close(fd[1]);
  if (pid < 0) {
    close(fd[0]);
    return {false, "fork failed"};
  }
  const auto t0 = Clock::now();
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::duration<double>(Clock::now() - t0).count() > o.time_cap) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      close(fd[0]);
      return {false, "skipped (cap)"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  char buf[512] = {0};
  const ssize_t n = read(fd[0], buf, sizeof buf - 1);
  close(fd[0]);
  Cell c;
  if (n > 3 && std::strncmp(buf, "ok ", 3) == 0 &&
      std::sscanf(buf + 3, "%lf %lf %lf %lf", &c.steps_per_s, &c.tokens_per_s, &c.peak_bytes, &c.rss_bytes) == 4) {
    c.ran = true;
    return c;
  }
  c.why = n > 0 ? std::string(buf, buf + n) : "crashed (signal " + std::to_string(WTERMSIG(status)) + ")";
  while (!c.why.empty() && c.why.back() == '\n') c.why.pop_back();
  return c;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  int i = 1;
  if (i < argc && argv[i][0] != '-') o.device = argv[i++];
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--tf32") {  // the one flag without a value; the forked cells inherit it
      set_cuda_tf32(true);
      continue;
    }
    PONET_CHECK(i + 1 < argc, "bench_mixers: ", a, " needs a value");
    const std::string v = argv[++i];
    if (a == "--lengths") {
      o.lengths.clear();
      for (auto& s : split(v)) o.lengths.push_back(std::stoll(s));
    } else if (a == "--mixers") o.mixers = split(v);
    else if (a == "--batch") o.batch = std::stoll(v);
    else if (a == "--time-cap") o.time_cap = std::stod(v);
    else if (a == "--mem-cap-gib") o.mem_cap_gib = std::stod(v);
    else if (a == "--min-seconds") o.min_seconds = std::stod(v);
    else if (a == "--threads") o.threads = std::stoi(v);
    else fail("bench_mixers: unknown option ", a);
  }
  PONET_CHECK(o.device == "cpu" || o.device.rfind("cuda", 0) == 0, "bench_mixers: device must be cpu or cuda");
  PONET_CHECK(o.batch > 0 && !o.lengths.empty(), "bench_mixers: bad batch or lengths");
  return o;
}

// The child-side query: a process that never initialised CUDA forks cleanly (the parent must not).
bool child_reports_cuda() {
  const pid_t pid = fork();
  if (pid == 0) _exit(cuda_available() ? 0 : 1);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void print_table(const char* title, const Options& o, const std::vector<std::vector<Cell>>& cells,
                 double (*value)(const Cell&), const char* unit) {
  std::printf("\n%s (%s; in brackets: ratio to softmax at the same length)\n%-8s", title, unit, "mixer");
  for (int64_t L : o.lengths) std::printf(" %20lld", static_cast<long long>(L));
  std::printf("\n");
  int softmax_row = -1;
  for (size_t m = 0; m < o.mixers.size(); ++m)
    if (o.mixers[m] == "softmax") softmax_row = static_cast<int>(m);
  for (size_t m = 0; m < o.mixers.size(); ++m) {
    std::printf("%-8s", o.mixers[m].c_str());
    for (size_t l = 0; l < o.lengths.size(); ++l) {
      const Cell& c = cells[m][l];
      char text[64];
      if (!c.ran) {
        std::snprintf(text, sizeof text, "%s", c.why.size() < 20 ? c.why.c_str() : "error");
      } else if (softmax_row >= 0 && cells[softmax_row][l].ran) {
        std::snprintf(text, sizeof text, "%.4g (%.2fx)", value(c), value(c) / value(cells[softmax_row][l]));
      } else {
        std::snprintf(text, sizeof text, "%.4g (n/a)", value(c));
      }
      std::printf(" %20s", text);
    }
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  choose_omp_wait_policy(argv);  // as the ponet CLI does (core/omp_wait_policy.h)
  try {
    const Options o = parse(argc, argv);
    const bool cuda = o.device != "cpu";
    if (cuda && !child_reports_cuda()) {
      std::printf("bench_mixers %s: no CUDA device is available; nothing to measure\n", o.device.c_str());
      return 0;
    }
    double mem_cap = o.mem_cap_gib * 1073741824.0;
    if (mem_cap <= 0) {  // default: 60% of the host's RAM on CPU, 120 GiB on a GPU
      const double ram = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGE_SIZE);
      mem_cap = cuda ? 120.0 * 1073741824.0 : 0.6 * ram;
    }
    std::printf("bench_mixers on %s: LRA text size (dim 64, ff 128, 2 heads x 32, 2 layers), batch %lld, byte "
                "vocabulary; one training step = forward + backward + clip + AdamW; caps: %.0f s per cell, %.1f GiB\n",
                o.device.c_str(), static_cast<long long>(o.batch), o.time_cap, mem_cap / 1073741824.0);
    // cuda_tf32() reads PONET_CUDA_TF32 here, in the parent, so a bad value stops the run before any cell
    if (cuda)
      std::printf("GEMM math: %s\n", cuda_tf32() ? "TF32 tensor cores (--tf32 or PONET_CUDA_TF32=1)"
                                                  : "fp32 (the default; --tf32 or PONET_CUDA_TF32=1 for TF32)");
    std::vector<std::vector<Cell>> cells(o.mixers.size(), std::vector<Cell>(o.lengths.size()));
    for (size_t m = 0; m < o.mixers.size(); ++m) {
      bool capped = false;
      for (size_t l = 0; l < o.lengths.size(); ++l) {
        Cell& c = cells[m][l];
        if (capped || estimated_bytes(o.mixers[m], o.batch, o.lengths[l]) > mem_cap) {
          c.why = "skipped (cap)";
        } else {
          c = run_cell_in_child(o, o.mixers[m], o.lengths[l]);
        }
        capped = capped || (!c.ran && c.why == "skipped (cap)");
        if (c.ran)
          std::printf("  %-8s L=%-6lld %8.3f steps/s %10.0f tokens/s  peak %9.1f MiB  max RSS %9.1f MiB\n",
                      o.mixers[m].c_str(), static_cast<long long>(o.lengths[l]), c.steps_per_s, c.tokens_per_s,
                      c.peak_bytes / 1048576.0, c.rss_bytes / 1048576.0);
        else
          std::printf("  %-8s L=%-6lld %s\n", o.mixers[m].c_str(), static_cast<long long>(o.lengths[l]), c.why.c_str());
        std::fflush(stdout);
      }
    }
    print_table("Training speed", o, cells, [](const Cell& c) { return c.steps_per_s; }, "steps/s");
    print_table("Peak tensor memory", o, cells, [](const Cell& c) { return c.peak_bytes / 1048576.0; },
                "MiB, allocator peak");
    if (!cuda)
      print_table("Peak process memory", o, cells, [](const Cell& c) { return c.rss_bytes / 1048576.0; },
                  "MiB, max RSS of the cell's process");
    std::printf("\npaper (GPU, L = 4096): PoNet 9.0x the Transformer's steps/s and 0.1x its memory; FNet 11.9x / 0.07x\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_mixers: %s\n", e.what());
    return 1;
  }
}
