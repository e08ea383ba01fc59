// The fused PoNet token mixer op (contract in autograd/ops.h, kernels in kernels/{cpu,cuda}/ponet_mixer).
// nn/mixers/ponet.cpp holds the same computation composed of ops; tests check the two agree.
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/ops/ponet_mixer_batch.h"
#include "autograd/ops/pooling_checks.h"
#include "autograd/ops/segment_layout_tensors.h"
#include "core/dispatch.h"
#include "kernels/cpu/ponet_mixer.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/ponet_mixer.cuh"
#endif

namespace ponet {

namespace {

struct MixerState {
  Tensor prob, value, query, seg_win, seg_best;
  Tensor loc_win;  // one byte per element, held in an int64 tensor of numel / 8 (rounded up) elements
  cpu::MixerSaved saved() const {
    return {prob.data<float>(),    value.data<float>(),    query.data<float>(),
            seg_win.data<int64_t>(), seg_best.data<float>(), reinterpret_cast<uint8_t*>(loc_win.data<int64_t>())};
  }
};

// x = B L D. Forward reads q, k, o, local, segment, the masks and the segment order, writes y, one
// byte of LMP winner per element and the small per-segment and GA state; 8 FLOPs per element (mean of
// q, score dot, value sum, fusion (v + smp) o + lmp) plus 5 per GA score. Backward reads dy, o, k, the
// winner bytes, the small state and the masks, writes the five gradients; 14 FLOPs per element.
profiler::Cost mixer_cost(const cpu::MixerDims& d, int64_t segments, bool has_special, bool backward) {
  using profiler::kF32, profiler::kI64;
  const int64_t x = d.B * d.L * d.D, rows = d.B * d.L, scores = d.B * d.H * d.L;
  const int64_t masks = kI64 * rows * (has_special ? 3 : 2);  // valid, (special,) the segment order
  const int64_t small_state = kF32 * (scores + 2 * d.B * d.D) + (kI64 + kF32) * d.B * segments * d.D;
  if (backward) return profiler::cost(kF32 * 3 * x + x + small_state + masks + kF32 * 5 * x, 14 * x);
  return profiler::cost(kF32 * 5 * x + masks + kF32 * x + x + small_state, 8 * x + 5 * scores);
}

}  // namespace

std::shared_ptr<const PoNetMixerBatch> make_ponet_mixer_batch(const Tensor& valid_in, const Tensor& segment_ids,
                                                              const Tensor& special_in, Device device) {
  const char* op = "ponet_mixer";
  check_dtype(valid_in, DType::I64, op, "valid");
  check_dim(valid_in, 2, op, "valid");
  const int64_t B = valid_in.size(0), L = valid_in.size(1);
  for (auto [t, name] : {std::pair{&segment_ids, "segment_ids"}, {&special_in, "special"}}) {
    if (!t->defined() && t == &special_in) continue;
    check_dtype(*t, DType::I64, op, name);
    check_shape(*t, {B, L}, op, name);
  }
  auto batch = std::make_shared<PoNetMixerBatch>();
  batch->B = B;
  batch->L = L;
  // The check reads the mask on the host: free for a host mask (a model's, built from its checked inputs),
  // a device sync for a mask already on the GPU. Host masks are uploaded without a sync.
  Tensor valid_host = contiguous(valid_in.detach()).to(Device::cpu());
  detail::check_rows_have_real(valid_host.data<int64_t>(), B, L, op);
  batch->valid = valid_in.device() == device ? contiguous(valid_in.detach()) : valid_host.to(device);
  if (special_in.defined()) batch->special = contiguous(special_in.detach()).to(device);
  batch->segments = detail::make_segment_layout(segment_ids, device);
  return batch;
}

Tensor ponet_mixer(const Tensor& q, const Tensor& k, const Tensor& o, const Tensor& local, const Tensor& segment,
                   const Tensor& valid, const Tensor& segment_ids, const Tensor& special, int64_t num_heads,
                   const PoNetBranches& branches) {
  detail::check_blc(q, "ponet_mixer", "q");
  detail::check_row_ids(valid, q, "ponet_mixer", "valid");
  detail::check_row_ids(segment_ids, q, "ponet_mixer", "segment_ids");
  if (special.defined()) detail::check_row_ids(special, q, "ponet_mixer", "special");
  return ponet_mixer(q, k, o, local, segment, *make_ponet_mixer_batch(valid, segment_ids, special, q.device()),
                     num_heads, branches);
}

Tensor ponet_mixer(const Tensor& q_in, const Tensor& k_in, const Tensor& o_in, const Tensor& local_in,
                   const Tensor& segment_in, const PoNetMixerBatch& batch, int64_t num_heads,
                   const PoNetBranches& branches) {
  const char* op = "ponet_mixer";
  detail::check_blc(q_in, op, "q");
  const Shape shape = q_in.shape();
  const int64_t B = shape[0], L = shape[1], D = shape[2];
  for (auto [t, name] : {std::pair{&k_in, "k"}, {&o_in, "o"}, {&local_in, "local"}, {&segment_in, "segment"}}) {
    check_dtype(*t, DType::F32, op, name);
    check_shape(*t, shape, op, name);
    check_same_device(*t, q_in, op);
  }
  PONET_CHECK(num_heads > 0 && D % num_heads == 0, op, ": hidden size ", D, " is not a multiple of num_heads ",
              num_heads);
  PONET_CHECK(branches.any(), op, ": every branch (ga, smp, lmp) is removed; at least one must stay");
  PONET_CHECK(batch.B == B && batch.L == L, op, ": the batch masks are [", batch.B, ", ", batch.L,
              "], the activations ", q_in.shape_str());
  PONET_CHECK(batch.valid.device() == q_in.device(), op, ": the batch masks are on ", batch.valid.device().str(),
              ", the activations on ", q_in.device().str());
  const Tensor& valid = batch.valid;
  const Tensor& special = batch.special;
  auto layout = batch.segments;

  const Device dev = q_in.device();
  Tensor q = contiguous(q_in.detach()), k = contiguous(k_in.detach()), o = contiguous(o_in.detach());
  Tensor local = contiguous(local_in.detach()), segment = contiguous(segment_in.detach());
  auto st = std::make_shared<MixerState>();
  st->prob = Tensor::empty({B, num_heads, L}, DType::F32, dev);
  st->value = Tensor::empty({B, D}, DType::F32, dev);
  st->query = Tensor::empty({B, D}, DType::F32, dev);
  st->seg_win = Tensor::empty({B, layout->host.K, D}, DType::I64, dev);
  st->seg_best = Tensor::empty({B, layout->host.K, D}, DType::F32, dev);
  st->loc_win = Tensor::empty({(B * L * D + 7) / 8}, DType::I64, dev);
  const cpu::MixerDims dims{B, L, D, num_heads};
  const cpu::MixerInputs in{q.data<float>(),       k.data<float>(),     o.data<float>(), local.data<float>(),
                            segment.data<float>(), valid.data<int64_t>(),
                            special.defined() ? special.data<int64_t>() : nullptr};
  Tensor y = Tensor::empty(shape, DType::F32, dev);
  PONET_KERNEL(dev, "ponet_mixer_forward", mixer_cost(dims, layout->host.K, special.defined(), false),
               cpu::ponet_mixer_forward(y.data<float>(), st->saved(), in, layout->host, dims, branches),
               cuda::ponet_mixer_forward(y.data<float>(), st->saved(), in, layout->device_view(), dims, branches));

  // Backward reads only K, O and the masks (kernels/cpu/ponet_mixer.h), so Q, LOCAL and SEGMENT are not
  // captured and are freed as soon as the forward pass is done with them.
  const cpu::MixerInputs backward_in{nullptr, k.data<float>(), o.data<float>(), nullptr, nullptr, in.valid, in.special};
  return autograd::record(op, y, {q_in, k_in, o_in, local_in, segment_in},
                          [st, in = backward_in, layout, dims, branches, shape, k, o, valid, special](const Tensor& g_in) {
    Tensor g = contiguous(g_in);
    const Device dev = g.device();
    std::vector<Tensor> grads;
    for (int i = 0; i < 5; ++i) grads.push_back(Tensor::empty(shape, DType::F32, dev));
    float* p[5];
    for (int i = 0; i < 5; ++i) p[i] = grads[i].data<float>();
    PONET_KERNEL(
        dev, "ponet_mixer_backward", mixer_cost(dims, layout->host.K, special.defined(), true),
        cpu::ponet_mixer_backward(p[0], p[1], p[2], p[3], p[4], g.data<float>(), st->saved(), in, layout->host, dims,
                                  branches),
        {
          Tensor work = Tensor::empty({cuda::ponet_mixer_backward_workspace(dims)}, DType::F32, dev);
          cuda::ponet_mixer_backward(p[0], p[1], p[2], p[3], p[4], g.data<float>(), st->saved(), in,
                                     layout->device_view(), dims, branches, work.data<float>());
        });
    return grads;
  });
}

}  // namespace ponet
