// Fused softmax attention (autograd/ops.h: attention) against the same attention composed of existing
// ops (matmul, scale, add of a -1e6 key bias, softmax, dropout, matmul), both measured in the same run:
// forward + backward time, the ratio, and the bytes each keeps alive between forward and backward
// (memory held after the forward with the graph alive, minus the output; the fused op keeps only P).
// Memory is read from the caching allocator on CUDA and from glibc's mallinfo2 on the CPU.
//   usage: bench_attention [cpu|cuda] [B] [H] [d] [dropout_p] [L ...]   (default cpu 4 2 32 0.1 256 512 1024 2048)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>
#ifdef __GLIBC__
#endif

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/memory_stats.h"

using namespace ponet;

namespace {

// Bytes held by live tensors on `dev` (the allocator's count).
size_t bytes_in_use(Device dev) { return memory_stats(dev).in_use; }

void sync(Device dev) {
  if (dev.is_cuda()) cuda_synchronize();
}

double best_seconds(Device dev, int reps, const std::function<void()>& f) {
  f();
  sync(dev);
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    sync(dev);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// bias [B, 1, 1, L]: 0 for real keys, -1e6 for padded ones (the official LRA code's mask).
Tensor composed_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias, int64_t H, float p,
                          Rng& rng) {
  const int64_t B = q.size(0), L = q.size(1), D = q.size(2), d = D / H;
  auto heads = [&](const Tensor& x) { return x.reshape({B, L, H, d}).permute({0, 2, 1, 3}); };  // [B, H, L, d]
  Tensor s = add(scale(matmul(heads(q), heads(k).transpose(2, 3)), 1.f / std::sqrt(static_cast<float>(d))), bias);
  Tensor P = dropout(softmax(s), p, true, rng);
  return matmul(P, heads(v)).permute({0, 2, 1, 3}).reshape({B, L, D});
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Device dev = Device::parse(argc > 1 ? argv[1] : "cpu");
    const int64_t B = argc > 2 ? std::atoll(argv[2]) : 4, H = argc > 3 ? std::atoll(argv[3]) : 2,
                  d = argc > 4 ? std::atoll(argv[4]) : 32;
    const float p = argc > 5 ? static_cast<float>(std::atof(argv[5])) : 0.1f;
    std::vector<int64_t> lengths;
    for (int i = 6; i < argc; ++i) lengths.push_back(std::atoll(argv[i]));
    if (lengths.empty()) lengths = {256, 512, 1024, 2048};
    if (dev.is_cuda() && !cuda_available()) {
      std::printf("no CUDA device: nothing to measure\n");
      return 0;
    }
    const int64_t D = H * d;
    std::printf("attention forward + backward, device %s, B %lld, H %lld, d %lld, dropout %.2f\n", dev.str().c_str(),
                static_cast<long long>(B), static_cast<long long>(H), static_cast<long long>(d), p);
    std::printf("%6s %11s %13s %7s %13s %15s %11s\n", "L", "fused ms", "composed ms", "ratio", "fused MiB",
                "composed MiB", "max |diff|");
    Rng rng(1);
    for (int64_t L : lengths) {
      std::vector<int64_t> valid(B * L, 1);
      std::vector<float> bias_values(B * L, 0.f);
      for (int64_t b = 0; b < B; ++b)
        for (int64_t l = L - b * L / 8; l < L; ++l) {  // row b has b/8 of its keys padded
          valid[b * L + l] = 0;
          bias_values[b * L + l] = -1e6f;
        }
      Tensor valid_t = Tensor::from_vector_i64(valid, {B, L}).to(dev);
      Tensor bias = Tensor::from_vector(bias_values, {B, 1, 1, L}).to(dev);
      auto make = [&] { return Tensor::randn({B, L, D}, rng).to(dev).set_requires_grad(true); };
      Tensor q = make(), k = make(), v = make();
      Tensor g = Tensor::randn({B, L, D}, rng).to(dev);
      using Fn = std::function<Tensor(float)>;
      Fn fused = [&](float drop) { return attention(q, k, v, valid_t, H, drop, true, rng); };
      Fn composed = [&](float drop) { return composed_attention(q, k, v, bias, H, drop, rng); };

      double diff;  // the two agree without dropout (masks differ with it)
      {
        autograd::NoGrad no_grad;
        std::vector<float> a = fused(0.f).to_vector(), c = composed(0.f).to_vector();
        diff = 0;
        for (size_t i = 0; i < a.size(); ++i) diff = std::max(diff, static_cast<double>(std::abs(a[i] - c[i])));
      }
      auto held_for_backward = [&](const Fn& f) {
        sync(dev);
        const size_t before = bytes_in_use(dev);
        Tensor y = f(p);
        sync(dev);
        const size_t after = bytes_in_use(dev);
        const double out_bytes = 4.0 * static_cast<double>(y.numel());
        return (static_cast<double>(after) - static_cast<double>(before) - out_bytes) / (1 << 20);
      };
      const double fused_mib = held_for_backward(fused), composed_mib = held_for_backward(composed);
      const int reps = L >= 1024 ? 2 : 5;
      auto step = [&](const Fn& f) {
        return best_seconds(dev, reps, [&] {
          for (Tensor* t : {&q, &k, &v}) t->zero_grad();
          f(p).backward(g);
        });
      };
      const double tf = step(fused), tc = step(composed);
      std::printf("%6lld %11.2f %13.2f %6.2fx %13.1f %15.1f %11.2e\n", static_cast<long long>(L), tf * 1e3, tc * 1e3,
                  tc / tf, fused_mib, composed_mib, diff);
    }
    std::printf("(fused MiB should be B*H*L*L*4 bytes: P only; ratio = composed / fused time)\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_attention: %s\n", e.what());
    return 1;
  }
  return 0;
}
