// Next-token prediction data: the chosen documents of a corpus tokenized and joined into one stream of
// ids ([SEP] after every document, so a window that crosses a document boundary sees where it is), cut
// into windows of max_len + 1 tokens at random offsets. A window w gives input_ids w[0..max_len) and
// labels w[1..max_len] (the next token of each position): no padding, every position scored.
#pragma once
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "text/corpus.h"
#include "text/tokenizer.h"

namespace ponet::data {

struct LmBatch {
  Tensor input_ids, labels;  // int64 [B, max_len]
  int64_t num_tokens = 0;    // B * max_len
};

class LmData {
 public:
  // Throws when the documents hold fewer than max_len + 1 tokens.
  LmData(const text::Corpus& corpus, const text::WordPieceTokenizer& tokenizer, const std::vector<size_t>& documents,
         int64_t max_len, int64_t batch_size);
  LmBatch next_batch(Rng& rng) const;  // B windows at offsets drawn from rng
  int64_t num_tokens() const { return static_cast<int64_t>(stream_.size()); }
  int64_t max_len() const { return max_len_; }
  int64_t batch_size() const { return batch_size_; }

 private:
  std::vector<int64_t> stream_;
  int64_t max_len_, batch_size_;
};

}  // namespace ponet::data
