#include "nn/segment_index.h"

#include "core/error.h"

namespace ponet::nn {

Tensor special_token_mask(const Tensor& input_ids, int64_t cls_id, int64_t sep_id) {
  std::vector<int64_t> ids = input_ids.to_vector_i64();
  for (int64_t& v : ids) v = (v == cls_id || v == sep_id) ? 1 : 0;
  return Tensor::from_vector_i64(ids, input_ids.shape());
}

Tensor derive_segment_index(const Tensor& input_ids, int64_t cls_id, int64_t sep_id) {
  check_dim(input_ids, 2, "derive_segment_index", "input_ids");
  const int64_t B = input_ids.size(0), L = input_ids.size(1);
  std::vector<int64_t> special = special_token_mask(input_ids, cls_id, sep_id).to_vector_i64();
  std::vector<int64_t> out(B * L);
  for (int64_t b = 0; b < B; ++b) {
    int64_t running = -1;
    for (int64_t l = 0; l < L; ++l) {
      running += special[b * L + l] + (l > 0 ? special[b * L + l - 1] : 0);
      PONET_CHECK(running >= 0, "derive_segment_index: row ", b,
                  " does not start with [CLS] or [SEP]; pass segment ids explicitly");
      out[b * L + l] = running;
    }
  }
  return Tensor::from_vector_i64(out, {B, L});
}

Tensor fixed_chunk_segment_index(int64_t batch, int64_t length, int64_t segment_num) {
  PONET_CHECK(segment_num > 0, "fixed_chunk_segment_index: segment_num must be positive");
  const int64_t chunk = length / segment_num + 1;
  std::vector<int64_t> out(batch * length);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t l = 0; l < length; ++l) out[b * length + l] = l / chunk;
  return Tensor::from_vector_i64(out, {batch, length});
}

}  // namespace ponet::nn
