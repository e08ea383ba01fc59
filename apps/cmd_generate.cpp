// `ponet generate`: continue a prompt with a `ponet lm` run, one token at a time. The causal PoNet keeps
// a running state of fixed size per layer, the softmax baseline a key/value cache (nn/causal_decoder.h);
// the next token is drawn with temperature, top-k and top-p (nn/sampling.h). Stops at --max-tokens, at the
// end of a document ([SEP]) or at the model's last position.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "apps/args.h"
#include "apps/commands.h"
#include "apps/common_options.h"
#include "core/error.h"
#include "nn/causal_decoder.h"
#include "nn/sampling.h"
#include "train/lm_run.h"

namespace ponet::app {

int cmd_generate(int argc, char** argv) {
  Args a("generate", "Continue a prompt with a causal language model trained by `ponet lm`, e.g. ponet generate "
                     "--run runs/kjv-lm \"In the beginning\"");
  a.positional("prompt", "the text to continue");
  a.option("run", "runs/kjv-lm", "run directory written by `ponet lm`");
  a.option("temperature", "1.0", "softmax temperature of the draw; 0 = greedy (the most probable token)");
  a.option("top-k", "0", "draw among the k most probable tokens only (0 = all)");
  a.option("top-p", "1.0", "draw among the fewest most probable tokens whose probability reaches p (1 = all)");
  a.option("seed", "0", "seed of the draws (the same seed, prompt and run give the same text)");
  a.option("max-tokens", "50", "tokens to generate at most");
  a.flag("stats", "print the prompt and generated token counts, tokens/s and the mixer state's size to stderr");
  declare_device_option(a);
  declare_threads_option(a);
  if (!a.parse(argc, argv)) return 0;
  const Device device = device_option(a);
  apply_threads_option(a);
  nn::SamplingOptions sampling;
  sampling.temperature = static_cast<float>(a.number("temperature"));
  sampling.top_k = a.integer("top-k");
  sampling.top_p = static_cast<float>(a.number("top-p"));
  PONET_CHECK(std::isfinite(sampling.temperature) && sampling.temperature >= 0,
              "--temperature must be >= 0 (0 = greedy), got ", a.str("temperature"));
  PONET_CHECK(sampling.top_k >= 0, "--top-k must be >= 0 (0 = all tokens), got ", sampling.top_k);
  PONET_CHECK(sampling.top_p > 0 && sampling.top_p <= 1, "--top-p must be in (0, 1] (1 = all tokens), got ",
              a.str("top-p"));
  PONET_CHECK(a.integer("max-tokens") >= 1, "--max-tokens must be at least 1, got ", a.integer("max-tokens"));
  PONET_CHECK(a.integer("seed") >= 0, "--seed must be >= 0, got ", a.integer("seed"));
  const std::string prompt = a.str("prompt");
  PONET_CHECK(prompt.find_first_not_of(" \t\r\n") != std::string::npos, "the prompt is empty: give a text to continue");

  train::LoadedLM run = train::load_lm_run(a.str("run"), device);
  const nn::PoNetConfig& config = run.model->config();
  std::vector<int64_t> ids = run.tokenizer.encode(prompt);
  PONET_CHECK(!ids.empty(), "the prompt \"", prompt, "\" has no tokens under ", a.str("run"), "/vocab.txt");
  PONET_CHECK(static_cast<int64_t>(ids.size()) <= config.max_position_embeddings, "the prompt has ", ids.size(),
              " tokens, more than the model's ", config.max_position_embeddings,
              " positions (max_position_embeddings); shorten it");

  nn::CausalDecoder decoder(*run.model);
  Rng rng(static_cast<uint64_t>(a.integer("seed")));
  const auto started = std::chrono::steady_clock::now();
  std::vector<float> logits;
  for (int64_t id : ids) logits = decoder.feed(id);
  const size_t prompt_tokens = ids.size();
  const auto prompt_done = std::chrono::steady_clock::now();
  const char* stop = "--max-tokens";
  for (int64_t n = 0; n < a.integer("max-tokens"); ++n) {
    // never draw the tokens that are not text ([SEP] ends the document, so it may be drawn)
    for (int64_t banned : {run.tokenizer.pad_id(), run.tokenizer.cls_id(), run.tokenizer.mask_id()}) logits[banned] = -1e30f;
    const int64_t next = nn::sample_token(logits, sampling, rng);
    if (next == run.tokenizer.sep_id()) {
      stop = "end of document ([SEP])";
      break;
    }
    ids.push_back(next);
    if (decoder.position() == config.max_position_embeddings) {
      stop = "the model's last position";
      break;
    }
    logits = decoder.feed(next);
  }
  const auto done = std::chrono::steady_clock::now();
  // the prompt as given, then the generated tokens (a first "##" piece continues the prompt's last word)
  const std::vector<int64_t> generated_ids(ids.begin() + static_cast<std::ptrdiff_t>(prompt_tokens), ids.end());
  std::string text = prompt;
  if (!generated_ids.empty()) {
    const bool continues_word = run.tokenizer.id_to_token(generated_ids.front()).rfind("##", 0) == 0;
    text += (continues_word ? "" : " ") + run.tokenizer.decode(generated_ids);
  }
  std::printf("%s\n", text.c_str());
  if (a.is_set("stats")) {
    const double gen_s = std::chrono::duration<double>(done - prompt_done).count();
    const size_t generated = ids.size() - prompt_tokens;
    std::fprintf(stderr, "%s: prompt %zu tokens (%.3f s), generated %zu tokens (%.1f tokens/s), stopped by %s; mixer state %lld bytes\n",
                 config.mixer.c_str(), prompt_tokens, std::chrono::duration<double>(prompt_done - started).count(),
                 generated, gen_s > 0 ? generated / gen_s : 0.0, stop, static_cast<long long>(decoder.state_bytes()));
  }
  return 0;
}

}  // namespace ponet::app
