#include "train/data_parallel.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "dist/agreement.h"
#include "io/crc32.h"

namespace ponet::train {

namespace {

// The model's parameter count and a CRC of their names and values: differs when the model config or
// its init differ.
std::string weights_fingerprint(nn::Model& model) {
  uint32_t crc = 0;
  int64_t count = 0;
  for (auto& [name, p] : model.named_parameters()) {
    const Tensor host = p.to(Device::cpu()).contiguous();
    crc = io::crc32(name.data(), name.size(), crc);
    crc = io::crc32(host.data<float>(), static_cast<size_t>(host.numel()) * sizeof(float), crc);
    count += host.numel();
  }
  char text[96];
  std::snprintf(text, sizeof text, "%lld parameters, crc32 %08x", static_cast<long long>(count),
                static_cast<unsigned>(crc));
  return text;
}

}  // namespace

DataParallel::DataParallel(dist::Communicator& comm, Task& task, const std::string& settings, int64_t bucket_floats)
    : comm_(comm), bucket_floats_(bucket_floats) {
  PONET_CHECK(bucket_floats > 0, "data parallel: the all-reduce bucket must hold at least one float");
  if (comm_.size() == 1) return;
  task.set_shard(Shard{comm_.rank(), comm_.size()});
  // The trainer's part of the start-up check (the CLI adds the arguments, files and binary).
  dist::check_agreement(comm_, {{"trainer options", settings},
                                {"model config", task.model().config_json()},
                                {"initial weights", weights_fingerprint(task.model())}});
}

// Counts are exact in float (< 2^24); the loss is a sum of N terms.
void DataParallel::sum(BatchFigures& f) {
  if (comm_.size() == 1) return;
  std::vector<float> v = {static_cast<float>(f.loss), static_cast<float>(f.tokens)};
  for (auto& [name, acc] : f.accuracies) {
    v.push_back(static_cast<float>(acc.correct));
    v.push_back(static_cast<float>(acc.total));
  }
  comm_.all_reduce_sum(v.data(), static_cast<int64_t>(v.size()), Device::cpu());
  f.loss = v[0];
  f.tokens = static_cast<int64_t>(v[1]);
  for (size_t i = 0; i < f.accuracies.size(); ++i) {
    f.accuracies[i].second.correct = static_cast<int64_t>(v[2 + 2 * i]);
    f.accuracies[i].second.total = static_cast<int64_t>(v[3 + 2 * i]);
  }
}

// CPU gradients are packed into buckets of bucket_floats in parameter order (fewer, larger messages); a
// gradient larger than a bucket goes on its own, in place. CUDA gradients go one by one through NCCL.
// Every rank walks the same parameters in the same order, so the collectives line up; a gradient no
// backward reached stays undefined on every rank alike (the graph is the same on every rank).
void DataParallel::all_reduce_gradients(const std::vector<Tensor>& params) {
  if (comm_.size() == 1) return;
  std::vector<Tensor> pending;  // gradients whose values sit in bucket_, in order
  auto flush = [&] {
    if (pending.empty()) return;
    comm_.all_reduce_sum(bucket_.data(), static_cast<int64_t>(bucket_.size()), Device::cpu());
    size_t at = 0;
    for (const Tensor& g : pending) {
      std::copy(bucket_.begin() + at, bucket_.begin() + at + g.numel(), g.data<float>());
      at += static_cast<size_t>(g.numel());
    }
    pending.clear();
    bucket_.clear();
  };
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (!g.is_contiguous()) {
      g = g.contiguous();
      p.set_grad(g);
    }
    if (g.device().is_cuda()) {
      comm_.all_reduce_sum(g.data<float>(), g.numel(), g.device());
      continue;
    }
    if (g.numel() >= bucket_floats_) {
      flush();
      comm_.all_reduce_sum(g.data<float>(), g.numel(), Device::cpu());
      continue;
    }
    if (static_cast<int64_t>(bucket_.size()) + g.numel() > bucket_floats_) flush();
    bucket_.insert(bucket_.end(), g.data<float>(), g.data<float>() + g.numel());
    pending.push_back(g);
  }
  flush();
}

int64_t DataParallel::max_over_ranks(int64_t mine) { return comm_.size() == 1 ? mine : comm_.all_reduce_max(mine); }

void DataParallel::barrier() {
  if (comm_.size() > 1) comm_.barrier();
}

}  // namespace ponet::train
