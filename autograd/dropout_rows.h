// DropoutRows: "this forward runs rows [offset, offset + local) of a batch of global_rows rows". While one
// exists on this thread, every dropout op (dropout, dropout_add_layer_norm, attention's dropout on P)
// draws for its input the mask that the same op would draw for the whole global batch at those rows, so a
// data-parallel rank holding a slice of the batch drops exactly what one process holding all of it drops.
// The leading dim of every dropout input in the models is the batch (hidden states [B, L, D], pooled
// [B, D], attention probabilities [B, H, L, L]), so element i of the local tensor is element
// offset * (numel / local_rows) + i of the global one. Without a DropoutRows (offset 0) nothing changes,
// bit for bit. The seed itself is still one draw per op from the model's Rng, the same on every rank.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace ponet {

class DropoutRows {
 public:
  DropoutRows(int64_t offset, int64_t global_rows);
  ~DropoutRows();
  DropoutRows(const DropoutRows&) = delete;
  DropoutRows& operator=(const DropoutRows&) = delete;

 private:
  int64_t previous_offset_, previous_rows_;
};

// The rows in force on this thread, so that work done later for this forward (a recomputation in
// backward, autograd/checkpoint.h) can put them back: global_rows 0 means no DropoutRows is active.
struct DropoutRowsState {
  int64_t offset = 0, global_rows = 0;
};
DropoutRowsState current_dropout_rows();

// The seed a dropout op passes to its kernel for input x: `seed` itself outside a DropoutRows, else the
// seed shifted to x's first element in the global batch (kernels/dropout_hash.h dropout_seed_at).
// Throws, naming `op`, when x's rows do not fit the global batch.
uint64_t dropout_seed_for_rows(uint64_t seed, const Tensor& x, const char* op);
// The same for a mask over local_rows rows of per_row elements each (attention's P: B rows of H*L*L).
uint64_t dropout_seed_for_rows(uint64_t seed, int64_t local_rows, int64_t per_row, const char* op);

}  // namespace ponet
