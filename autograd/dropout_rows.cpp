#include "autograd/dropout_rows.h"

#include "core/error.h"
#include "kernels/dropout_hash.h"

namespace ponet {

uint64_t dropout_seed_for_rows(uint64_t seed, const DropoutRows& rows, int64_t local_rows, int64_t per_row,
                               const char* op) {
  if (rows.offset == 0) return seed;
  PONET_CHECK(rows.offset > 0 && local_rows > 0 && rows.offset + local_rows <= rows.global_rows, op,
              ": a data-parallel forward holds rows [", rows.offset, ", ...) of a global batch of ", rows.global_rows,
              ", which ", local_rows, " local rows do not fit (dropout inputs must lead with the batch dim)");
  return dropout_seed_at(seed, static_cast<uint64_t>(rows.offset) * static_cast<uint64_t>(per_row));
}

uint64_t dropout_seed_for_rows(uint64_t seed, const DropoutRows& rows, const Tensor& x, const char* op) {
  if (rows.offset == 0) return seed;
  PONET_CHECK(x.dim() >= 1 && x.size(0) > 0, op, ": a data-parallel dropout needs a batch dim, got ", x.describe());
  return dropout_seed_for_rows(seed, rows, x.size(0), x.numel() / x.size(0), op);
}

}  // namespace ponet
