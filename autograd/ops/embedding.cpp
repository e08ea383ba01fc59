// embedding(weight [V, D], ids int64 [...], padding_idx) -> [..., D]: a row gather.
// The ids are checked on the host (for CUDA ids this costs one small copy), so a bad id is reported by
// value instead of reading out of bounds. When weight needs a gradient, forward also groups the
// positions by id (host counting sort); backward then builds the dense dW [V, D] deterministically.
#include "kernels/cpu/embedding.h"

#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/dispatch.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/embedding.cuh"
#endif

namespace ponet {

Tensor embedding(const Tensor& weight, const Tensor& ids, int64_t padding_idx) {
  check_dtype(weight, DType::F32, "embedding", "weight");
  check_dtype(ids, DType::I64, "embedding", "ids");
  check_dim(weight, 2, "embedding", "weight");
  check_same_device(weight, ids, "embedding");
  const int64_t vocab = weight.size(0), dim = weight.size(1);
  PONET_CHECK(padding_idx < vocab, "embedding: padding_idx ", padding_idx, " is out of range for weight ",
              weight.shape_str(), " (vocabulary size V = ", vocab, "; use a negative value for none)");

  const std::vector<int64_t> host_ids = ids.to_vector_i64();
  const int64_t n = static_cast<int64_t>(host_ids.size());
  for (int64_t p = 0; p < n; ++p) {
    const int64_t id = host_ids[p];
    PONET_CHECK(id >= 0 && id < vocab, "embedding: id ", id, " (flat position ", p, " of ids ",
                ids.shape_str(), ") is out of range [0, ", vocab, ") for vocabulary size V = ", vocab);
  }

  const Device device = weight.device();
  Shape out_shape = ids.shape();
  out_shape.push_back(dim);
  Tensor wc = contiguous(weight.detach());
  Tensor out = Tensor::empty(out_shape, DType::F32, device);
  // A gather: reads the ids and one weight row per id, writes the rows; no FLOPs.
  PONET_KERNEL(device, "embedding_forward", profiler::cost(profiler::kI64 * n + 2 * profiler::kF32 * n * dim, 0),
               cpu::embedding_forward(out.data<float>(), wc.data<float>(), host_ids.data(), n, dim), {
                 Tensor idc = contiguous(ids.detach());
                 cuda::embedding_forward(out.data<float>(), wc.data<float>(), idc.data<int64_t>(), n, dim);
               });
  if (!autograd::needs_grad({weight})) return out;

  // Group positions by id now, while the ids are on the host; both devices' backward kernels use it.
  std::vector<int64_t> offsets(static_cast<size_t>(vocab) + 1), positions(static_cast<size_t>(n));
  cpu::embedding_group_positions(offsets.data(), positions.data(), host_ids.data(), n, vocab);
  Tensor offsets_t = Tensor::from_vector_i64(offsets, {vocab + 1}, device);
  Tensor positions_t = Tensor::from_vector_i64(positions, {n}, device);

  return autograd::record(
      "embedding", out, {weight}, [offsets_t, positions_t, vocab, dim, padding_idx](const Tensor& g) {
        Tensor gc = contiguous(g);
        Tensor dweight = Tensor::empty({vocab, dim}, DType::F32, gc.device());
        const int64_t n = positions_t.numel();
        // Reads the gradient rows and the grouping, writes the dense dW; 1 FLOP (add) per gradient element.
        PONET_KERNEL(
            gc.device(), "embedding_backward",
            profiler::cost(profiler::kF32 * (n * dim + vocab * dim) + profiler::kI64 * (vocab + 1 + n), n * dim),
            cpu::embedding_backward(dweight.data<float>(), gc.data<float>(), offsets_t.data<int64_t>(),
                                    positions_t.data<int64_t>(), vocab, dim, padding_idx),
            cuda::embedding_backward(dweight.data<float>(), gc.data<float>(), offsets_t.data<int64_t>(),
                                     positions_t.data<int64_t>(), vocab, dim, padding_idx));
        return std::vector<Tensor>{dweight};
      });
}

}  // namespace ponet
