// One PoNet training step (forward + backward + AdamW) at the LRA-text size: hidden 64, intermediate
// 128, 2 heads, 2 layers, batch 32, byte vocabulary, fixed 4-chunk segments, for sequence lengths
// 512 .. 16384. Prints steps/s, tokens/s, the allocator's peak tensor memory during a step on the
// device, and the process's peak resident memory so far (lengths grow, so it is the latest length's).
//   usage: bench_ponet_step [cpu|cuda] [max_length] [batch]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "autograd/grad_mode.h"
#include "core/memory_stats.h"
#include "nn/ponet.h"
#include "train/optimizer.h"

using namespace ponet;

namespace {

nn::PoNetInputs random_batch(int64_t B, int64_t L, int64_t V, Rng& rng) {
  std::vector<int64_t> ids(B * L), labels(B * L, -100), sso(B);
  for (int64_t i = 0; i < B * L; ++i) {
    ids[i] = rng.randint(1, V);
    if (rng.uniform() < 0.15f) labels[i] = ids[i];
  }
  for (auto& s : sso) s = rng.randint(0, 3);
  nn::PoNetInputs in;
  in.input_ids = Tensor::from_vector_i64(ids, {B, L});
  in.labels = Tensor::from_vector_i64(labels, {B, L});
  in.next_sentence_label = Tensor::from_vector_i64(sso, {B});
  return in;
}

}  // namespace

int main(int argc, char** argv) {
  try {
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
      nn::PoNetConfig c;
      c.vocab_size = 256;
      c.hidden_size = 64;
      c.num_attention_heads = 2;
      c.num_hidden_layers = 2;
      c.intermediate_size = 128;
      c.max_position_embeddings = L;
      c.clsgsepg = false;
      c.segment_num = 4;
      c.pad_token_id = 0;
      c.cls_token_id = c.sep_token_id = c.mask_token_id = 1;
      nn::PoNetForPreTraining model(c, 0);
      model.to(device);
      train::AdamW opt(model.named_parameters(), {});
      Rng rng(1);
      nn::PoNetInputs in = random_batch(B, L, c.vocab_size, rng);
      nn::ForwardOptions fo;
      fo.logits_for_labels_only = true;
      auto step = [&] {
        nn::PoNetOutputs out = model.forward(in, fo);
        out.loss.backward();
        opt.step(1e-4f);
        opt.zero_grad();
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
