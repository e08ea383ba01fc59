#include "autograd/dropout_rows.h"

#include "core/error.h"
#include "kernels/dropout_hash.h"

namespace ponet {

namespace {
// Per thread, like the grad mode: the trainer sets it around one forward on the thread that runs it.
thread_local int64_t t_offset = 0;
thread_local int64_t t_global_rows = 0;  // 0: no DropoutRows active
}  // namespace

DropoutRows::DropoutRows(int64_t offset, int64_t global_rows)
    : previous_offset_(t_offset), previous_rows_(t_global_rows) {
  PONET_CHECK(global_rows > 0 && offset >= 0 && offset < global_rows, "DropoutRows: offset ", offset,
              " must be in [0, global rows = ", global_rows, ")");
  t_offset = offset;
  t_global_rows = global_rows;
}

DropoutRows::~DropoutRows() {
  t_offset = previous_offset_;
  t_global_rows = previous_rows_;
}

DropoutRowsState current_dropout_rows() { return {t_offset, t_global_rows}; }

uint64_t dropout_seed_for_rows(uint64_t seed, int64_t local_rows, int64_t per_row, const char* op) {
  if (t_global_rows == 0 || t_offset == 0) return seed;
  PONET_CHECK(local_rows > 0 && t_offset + local_rows <= t_global_rows, op, ": a data-parallel forward holds rows [",
              t_offset, ", ...) of a global batch of ", t_global_rows, ", which ", local_rows,
              " local rows do not fit (dropout inputs must lead with the batch dim)");
  return dropout_seed_at(seed, static_cast<uint64_t>(t_offset) * static_cast<uint64_t>(per_row));
}

uint64_t dropout_seed_for_rows(uint64_t seed, const Tensor& x, const char* op) {
  if (t_global_rows == 0 || t_offset == 0) return seed;
  PONET_CHECK(x.dim() >= 1 && x.size(0) > 0, op, ": a data-parallel dropout needs a batch dim, got ", x.describe());
  return dropout_seed_for_rows(seed, x.size(0), x.numel() / x.size(0), op);
}

}  // namespace ponet
