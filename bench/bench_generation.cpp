// Generation speed and memory against the context length: a PoNetForCausalLM with random weights decodes
// random tokens one at a time (nn/causal_decoder.h) up to the longest context. At each context c the
// --window tokens that end at c are timed (tokens/s at that context), and the mixer state's size, the
// process's resident memory (VmRSS) and its peak (VmHWM) are read. The causal PoNet's state has a fixed
// size; softmax attention's key/value cache grows with c, and so does its time per token.
// Each mixer runs in its own child process (its memory figures are its own); the table then gives PoNet's
// tokens/s over softmax's, measured in the same run.
//   usage: bench_generation [--contexts 128,256,...,16384] [--window 64] [--hidden 128] [--layers 2]
//                           [--heads 2] [--threads 1] [--mixers ponet_causal,softmax_causal]
#include <omp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "nn/causal_decoder.h"

using namespace ponet;

namespace {

struct Options {
  std::vector<int64_t> contexts = {128, 256, 512, 1024, 2048, 4096, 8192, 16384};
  std::vector<std::string> mixers = {"ponet_causal", "softmax_causal"};
  int64_t window = 64, hidden = 128, layers = 2, heads = 2;
  int threads = 1;
};

struct Row {
  double tokens_per_s = 0;
  long long state_bytes = 0, rss_kib = 0, hwm_kib = 0;
};

long long proc_status_kib(const char* key) {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind(key, 0) == 0) return std::atoll(line.c_str() + std::strlen(key));
  return -1;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string x; std::getline(in, x, ',');) out.push_back(x);
  return out;
}

// The child: decodes up to the longest context, writing one line per context to `fd`.
void measure(const Options& o, const std::string& mixer, int fd) {
  nn::PoNetConfig c;
  c.vocab_size = 1000;
  c.hidden_size = o.hidden;
  c.num_hidden_layers = o.layers;
  c.num_attention_heads = o.heads;
  c.intermediate_size = 4 * o.hidden;
  c.max_position_embeddings = o.contexts.back();
  c.hidden_dropout_prob = 0.f;
  c.attention_probs_dropout_prob = 0.f;
  c.pad_token_id = 0;
  c.cls_token_id = 1;
  c.sep_token_id = 2;
  c.mask_token_id = 3;
  c.clsgsepg = false;
  c.mixer = mixer;
  nn::PoNetForCausalLM model(c, 1);
  model.eval();
  nn::CausalDecoder decoder(model);
  Rng rng(2);
  using Clock = std::chrono::steady_clock;
  Clock::time_point start;
  size_t next = 0;
  for (int64_t t = 0; t < o.contexts.back() && next < o.contexts.size(); ++t) {
    if (t == o.contexts[next] - o.window) start = Clock::now();
    decoder.feed(rng.randint(4, c.vocab_size));
    if (t + 1 == o.contexts[next]) {
      const double s = std::chrono::duration<double>(Clock::now() - start).count();
      char line[200];
      const int n = std::snprintf(line, sizeof line, "%lld %.3f %lld %lld %lld\n", static_cast<long long>(t + 1),
                                  o.window / s, static_cast<long long>(decoder.state_bytes()),
                                  proc_status_kib("VmRSS:"), proc_status_kib("VmHWM:"));
      if (write(fd, line, n) != n) std::exit(2);
      ++next;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--contexts") {
      o.contexts.clear();
      for (auto& x : split(v)) o.contexts.push_back(std::atoll(x.c_str()));
    } else if (k == "--mixers") o.mixers = split(v);
    else if (k == "--window") o.window = std::atoll(v.c_str());
    else if (k == "--hidden") o.hidden = std::atoll(v.c_str());
    else if (k == "--layers") o.layers = std::atoll(v.c_str());
    else if (k == "--heads") o.heads = std::atoll(v.c_str());
    else if (k == "--threads") o.threads = std::atoi(v.c_str());
    else {
      std::fprintf(stderr, "bench_generation: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (o.contexts.empty() || o.contexts.front() < o.window || o.window < 1) {
    std::fprintf(stderr, "bench_generation: every context must be at least --window (%lld)\n",
                 static_cast<long long>(o.window));
    return 2;
  }
  omp_set_num_threads(o.threads);
  std::printf("generation: hidden %lld, %lld layers, %lld heads, vocab 1000, random weights; %lld tokens timed per "
              "context; %d thread(s)\n",
              static_cast<long long>(o.hidden), static_cast<long long>(o.layers), static_cast<long long>(o.heads),
              static_cast<long long>(o.window), o.threads);
  std::map<std::string, std::map<long long, Row>> rows;
  for (const std::string& mixer : o.mixers) {
    int fds[2];
    if (pipe(fds) != 0) return 2;
    const pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      try {
        measure(o, mixer, fds[1]);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", mixer.c_str(), e.what());
        _exit(1);
      }
      _exit(0);
    }
    close(fds[1]);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "bench_generation: the %s run failed\n", mixer.c_str());
      return 1;
    }
    std::istringstream in(text);
    long long ctx;
    Row r;
    while (in >> ctx >> r.tokens_per_s >> r.state_bytes >> r.rss_kib >> r.hwm_kib) rows[mixer][ctx] = r;
  }
  std::printf("%8s", "context");
  for (const std::string& m : o.mixers)
    std::printf(" | %s: %9s %12s %9s %9s", m.c_str(), "tokens/s", "state B", "RSS MiB", "peak MiB");
  if (o.mixers.size() == 2) std::printf(" | tokens/s ratio %s/%s", o.mixers[0].c_str(), o.mixers[1].c_str());
  std::printf("\n");
  for (int64_t ctx : o.contexts) {
    std::printf("%8lld", static_cast<long long>(ctx));
    for (const std::string& m : o.mixers) {
      const Row& r = rows[m][ctx];
      std::printf(" | %*s  %9.1f %12lld %9.1f %9.1f", static_cast<int>(m.size()), "", r.tokens_per_s, r.state_bytes,
                  r.rss_kib / 1024.0, r.hwm_kib / 1024.0);
    }
    if (o.mixers.size() == 2)
      std::printf(" | %.2f", rows[o.mixers[0]][ctx].tokens_per_s / rows[o.mixers[1]][ctx].tokens_per_s);
    std::printf("\n");
  }
  return 0;
}
