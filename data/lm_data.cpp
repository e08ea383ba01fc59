#include "data/lm_data.h"

#include "core/error.h"

namespace ponet::data {

LmData::LmData(const text::Corpus& corpus, const text::WordPieceTokenizer& tok, const std::vector<size_t>& documents,
               int64_t max_len, int64_t batch_size)
    : max_len_(max_len), batch_size_(batch_size) {
  PONET_CHECK(max_len >= 2 && batch_size > 0, "language-model data: max_len must be >= 2 and batch_size positive, got ",
              max_len, " and ", batch_size);
  for (size_t d : documents) {
    PONET_CHECK(d < corpus.documents.size(), "language-model data: document ", d, " is outside the corpus");
    for (const std::string& sentence : corpus.documents[d]) {
      const std::vector<int64_t> ids = tok.encode(sentence);
      stream_.insert(stream_.end(), ids.begin(), ids.end());
    }
    stream_.push_back(tok.sep_id());
  }
  PONET_CHECK(num_tokens() > max_len, "language-model data: the documents hold ", num_tokens(),
              " tokens, fewer than one window of max_len + 1 = ", max_len + 1);
}

LmBatch LmData::next_batch(Rng& rng) const {
  const int64_t B = batch_size_, L = max_len_;
  std::vector<int64_t> ids(static_cast<size_t>(B * L)), labels(static_cast<size_t>(B * L));
  for (int64_t b = 0; b < B; ++b) {
    const int64_t start = rng.randint(0, num_tokens() - L);  // the window [start, start + L]
    for (int64_t l = 0; l < L; ++l) {
      ids[b * L + l] = stream_[start + l];
      labels[b * L + l] = stream_[start + l + 1];
    }
  }
  LmBatch batch;
  batch.input_ids = Tensor::from_vector_i64(ids, {B, L});
  batch.labels = Tensor::from_vector_i64(labels, {B, L});
  batch.num_tokens = B * L;
  return batch;
}

}  // namespace ponet::data
