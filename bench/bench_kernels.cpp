// Per-kernel memory throughput: each op's forward on a PoNet-layer-sized input (B x L x D floats),
// timed and converted to GB/s from the bytes it must read and write, beside the device's copy
// bandwidth (a plain device-to-device copy of the same size, measured in the same run). "alloc MiB"
// is the most the op held on top of what existed before it ran (its outputs and scratch).
//   usage: bench_kernels [cpu|cuda] [B] [L] [D]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/memory_stats.h"
#include "kernels/cpu/gelu.h"

using namespace ponet;

namespace {

// Only a CUDA run synchronizes: a cpu run never touches the CUDA runtime.
double time_it(Device dev, const std::function<void()>& f) {
  auto sync = [&] {
    if (dev.is_cuda()) cuda_synchronize();
  };
  f();
  sync();
  double best = 1e30;
  for (int r = 0; r < 5; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    sync();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Device dev = Device::parse(argc > 1 ? argv[1] : "cpu");
    const int64_t B = argc > 2 ? std::atoll(argv[2]) : 32, L = argc > 3 ? std::atoll(argv[3]) : 2048,
                  D = argc > 4 ? std::atoll(argv[4]) : 64;
    if (dev.is_cuda() && !cuda_available()) {
      std::printf("no CUDA device: nothing to measure\n");
      return 0;
    }
    NoGrad no_grad;
    Rng rng(1);
    const double n = static_cast<double>(B * L * D), f4 = 4.0 * n;
    auto make = [&] { return Tensor::randn({B, L, D}, rng).to(dev); };
    Tensor x = make(), y = make(), q = make(), k = make(), o = make(), lc = make(), sg = make();
    std::vector<int64_t> valid(B * L, 1), seg(B * L);
    for (int64_t i = 0; i < B * L; ++i) seg[i] = (i % L) / (L / 4 + 1);
    Tensor valid_t = Tensor::from_vector_i64(valid, {B, L}).to(dev), seg_t = Tensor::from_vector_i64(seg, {B, L}).to(dev);
    Tensor w = Tensor::ones({D}).to(dev), bias = Tensor::zeros({D}).to(dev);

    const double copy_s = time_it(dev, [&] { x.clone(); });
    const double copy_gbs = 2 * f4 / copy_s * 1e-9;
    std::printf("device %s, x is %lld x %lld x %lld float32 (%.0f MiB); copy bandwidth %.1f GB/s\n",
                dev.str().c_str(), static_cast<long long>(B), static_cast<long long>(L), static_cast<long long>(D),
                f4 / (1 << 20), copy_gbs);
    std::printf("%-28s %10s %10s %10s %10s\n", "kernel", "us", "GB/s", "of copy", "alloc MiB");
    auto row = [&](const char* name, double bytes, const std::function<void()>& f) {
      reset_peak_memory(dev);
      const size_t before = memory_stats(dev).in_use;
      const double s = time_it(dev, f);
      const double alloc_mib = static_cast<double>(memory_stats(dev).peak - before) / (1 << 20);
      std::printf("%-28s %10.1f %10.1f %9.0f%% %10.1f\n", name, s * 1e6, bytes / s * 1e-9,
                  100 * bytes / s * 1e-9 / copy_gbs, alloc_mib);
    };
    row("add", 3 * f4, [&] { add(x, y); });
    row("gelu", 2 * f4, [&] { gelu(x); });
    if (dev.is_cpu()) {  // the libm reference beside the vectorised kernel (kernels/cpu/gelu.h)
      Tensor out = Tensor::empty(x.shape());
      row("gelu (std::erf reference)", 2 * f4, [&] { cpu::gelu_forward_reference(out.data<float>(), x.data<float>(), x.numel()); });
    }
    row("softmax (rows of D)", 2 * f4, [&] { softmax(x); });
    row("layer_norm", 2 * f4, [&] { layer_norm(x, w, bias, 1e-12f); });
    row("masked_fill", 2 * f4 + 8.0 * B * L, [&] { masked_fill(x, valid_t.reshape({B, L, 1}), 0.f); });
    row("max_pool1d (+argmax)", 2 * f4 + 8 * n, [&] { max_pool1d(x); });
    row("segment_max (+argmax)", 2 * f4 + 8 * n, [&] { segment_max(x, seg_t); });
    row("masked_mean", f4, [&] { masked_mean(x, valid_t); });
    // reads q, k, o, local, segment, writes y and one byte of saved LMP winner per element
    row("ponet_mixer forward (fused)", 6 * f4 + n, [&] {
      ponet_mixer(q, k, o, lc, sg, valid_t, seg_t, Tensor(), 2);
    });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_kernels: %s\n", e.what());
    return 1;
  }
  return 0;
}
