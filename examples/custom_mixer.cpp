// A token mixer written outside the library, registered by name and trained inside the LRA encoder.
//
// The mixer is one granularity of PoNet's pooling: every token gets its own value projection plus the
// masked mean of a second projection over the sequence, out[b,l] = W_v x[b,l] + mean_{m real} W_g x[b,m],
// padded rows zeroed. It costs O(L), like PoNet's global aggregation.
//
// The task: a sequence of tokens 1..15 is labelled 1 when more of them are >= 8 than < 8.
//   build/example_custom_mixer [--quick]      (docs/tutorial.md walks through it)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "autograd/grad_mode.h"
#include "autograd/gradcheck.h"
#include "core/error.h"
#include "core/omp_wait_policy.h"
#include "nn/lra.h"
#include "train/optimizer.h"

using namespace ponet;
using namespace ponet::nn;

class GlobalMeanMixer : public TokenMixer {
 public:
  explicit GlobalMeanMixer(const MixerOptions& m) {
    const int64_t width = m.num_heads * m.head_dim;
    const bool hf = m.names == ParamNames::hf;  // official-style names for either family
    value_ = register_module(hf ? "dense_v" : "W_v", std::make_shared<Linear>(m.dim, width, m.init));
    global_ = register_module(hf ? "dense_g" : "W_g", std::make_shared<Linear>(m.dim, width, m.init));
  }
  // x [B, L, D] -> [B, L, width]
  Tensor forward(const Tensor& x, const BatchContext& ctx) const override {
    Tensor g = masked_mean(global_->forward(x, ctx.precision), ctx.valid);  // [B, width], over real tokens only
    Tensor out = add(value_->forward(x, ctx.precision), reshape(g, {ctx.B, 1, -1}));
    return masked_fill(out, ctx.pad_rows, 0.f);
  }
  int64_t output_dim() const override { return value_->weight.size(0); }

 private:
  std::shared_ptr<Linear> value_, global_;
};

// A batch of the majority task; lengths vary so that padding (id 0) is exercised.
static void make_batch(int64_t B, int64_t L, Rng& rng, Tensor& ids, Tensor& labels) {
  std::vector<int64_t> x(B * L, 0), y(B);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = rng.randint(L / 2, L + 1) | 1;  // odd, so there is no tie
    int64_t high = 0;
    for (int64_t l = 0; l < std::min(n, L); ++l) high += (x[b * L + l] = rng.randint(1, 16)) >= 8;
    y[b] = 2 * high > std::min(n, L);
  }
  ids = Tensor::from_vector_i64(x, {B, L}), labels = Tensor::from_vector_i64(y, {B});
}

int main(int argc, char** argv) {
  choose_omp_wait_policy(argv);  // first: on a busy machine, re-runs itself with passive OpenMP waiting
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  register_token_mixer("global_mean", [](const MixerOptions& m) { return std::make_shared<GlobalMeanMixer>(m); });
  try {  // a second registration under the same name must be refused
    register_token_mixer("global_mean", [](const MixerOptions& m) { return std::make_shared<GlobalMeanMixer>(m); });
    std::printf("FAIL: a duplicate mixer name was accepted\n");
    return 1;
  } catch (const Error&) {
  }

  LraConfig config;  // a tiny LRA classifier whose blocks use the new mixer
  config.attn_type = "global_mean";
  config.vocab_size = 16, config.embedding_dim = config.transformer_dim = 32, config.transformer_hidden_dim = 64;
  config.num_head = 2, config.head_dim = 16, config.num_layers = 2, config.max_seq_len = 31;
  config.num_classes = 2, config.dropout_prob = config.attention_dropout = 0.f;
  LraForSequenceClassification model(config, /*seed=*/3);
  for (auto& [name, p] : model.named_parameters())  // the mixer's parameters sit where the official code's are
    if (name.find(".mha.") != std::string::npos && name.find("transformer_0") != std::string::npos)
      std::printf("  %-40s %s\n", name.c_str(), p.shape_str().c_str());

  // The mixer's backward, checked against finite differences before training with it.
  Rng rng(11);
  MixerOptions options;
  options.dim = 8, options.num_heads = 2, options.head_dim = 3, options.init = Init{&rng, 0.5f};
  auto mixer = make_token_mixer("global_mean", options);
  Tensor valid = Tensor::from_vector_i64({1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, {2, 5});  // row 1 is padded at the end
  BatchContext ctx = make_batch_context(valid, Tensor(), Tensor(), Device::cpu());
  Tensor x = Tensor::randn({2, 5, 8}, rng).set_requires_grad(true);
  auto check = autograd::gradcheck([&](const std::vector<Tensor>& in) { return mixer->forward(in[0], ctx); }, {x});
  std::printf("gradcheck of the mixer: %s (max error %.2g)\n", check.ok ? "ok" : check.message.c_str(),
              check.max_abs_error);
  if (!check.ok) return 1;

  const Device dev = cuda_available() ? Device::cuda() : Device::cpu();
  model.to(dev);
  train::AdamW opt(model.named_parameters(), {/*lr=*/3e-3f});
  const int steps = quick ? 80 : 400;
  double first = 0, last = 0;  // mean loss of the first and of the last 10 steps
  Tensor ids, labels;
  for (int step = 1; step <= steps; ++step) {
    make_batch(32, config.max_seq_len, rng, ids, labels);
    Tensor loss = model.forward({ids, labels}).loss;  // host ids and labels: the model uploads them
    opt.zero_grad();
    loss.backward();
    opt.step();
    const float value = loss.item();
    if (step <= 10) first += value / 10;
    if (step > steps - 10) last += value / 10;
    if (step == 1 || step % (steps / 4) == 0) std::printf("step %3d  loss %.4f\n", step, value);
  }
  model.eval();
  autograd::NoGrad no_grad;
  make_batch(512, config.max_seq_len, rng, ids, labels);
  std::vector<float> logits = model.forward({ids, Tensor()}).logits.to_vector();
  std::vector<int64_t> y = labels.to_vector_i64();
  int64_t correct = 0;
  for (size_t i = 0; i < y.size(); ++i) correct += (logits[2 * i + 1] > logits[2 * i]) == (y[i] == 1);
  const double accuracy = double(correct) / y.size();
  std::printf("on %s: mean loss %.4f (first 10 steps) -> %.4f (last 10), held-out accuracy %.1f %%\n",
              dev.str().c_str(), first, last, 100 * accuracy);
  const bool learned = std::isfinite(last) && last < 0.8 * first && accuracy > 0.7;  // chance is 1/2
  if (!learned) std::printf("FAIL: the loss did not fall enough\n");
  return learned ? 0 : 1;
}
