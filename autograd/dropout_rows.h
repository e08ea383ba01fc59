// DropoutRows: which rows of the global batch one forward holds. A data-parallel rank runs rows
// [offset, offset + B_local) of a global batch of global_rows rows; the dropout ops (dropout,
// dropout_add_layer_norm, attention's dropout on P) given these rows draw for their input the mask the
// same op draws for the whole global batch at those rows, so a rank drops exactly what one process
// holding the whole batch drops. The models carry them from nn::ForwardOptions through the BatchContext
// to every dropout call, and a recomputation in backward (autograd/checkpoint.h) reuses the forward's
// values, so it draws the same masks.
//
// The leading dim of every dropout input in the models is the batch (hidden states [B, L, D], pooled
// [B, D], attention probabilities [B, H, L, L]), so element i of the local tensor is element
// offset * (numel / B_local) + i of the global one. The default (offset 0) is the whole batch: the mask
// is the plain draw, bit for bit. The seed itself is still one draw per op from the model's Rng, the same
// on every rank.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace ponet {

struct DropoutRows {
  int64_t offset = 0;       // the first global row this forward holds
  int64_t global_rows = 0;  // rows of the global batch (0 with offset 0: this forward holds the whole batch)
};

// The seed a dropout op passes to its kernel for input x: `seed` itself for offset 0, else the seed
// shifted to x's first element in the global batch (kernels/dropout_hash.h dropout_seed_at). Throws,
// naming `op`, when x's rows do not fit the global batch.
uint64_t dropout_seed_for_rows(uint64_t seed, const DropoutRows& rows, const Tensor& x, const char* op);
// The same for a mask over local_rows rows of per_row elements each (attention's P: B rows of H*L*L).
uint64_t dropout_seed_for_rows(uint64_t seed, const DropoutRows& rows, int64_t local_rows, int64_t per_row,
                               const char* op);

}  // namespace ponet
