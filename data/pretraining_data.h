// MLM + sentence-pair training examples, as PoNet's pretraining (SSO) and BERT's (NSP) build them.
//
// An example takes consecutive sentences of one document, split at a random sentence boundary into
// A and B, and labels the pair for the sentence objective the options name (`pairs`):
//   SSO (PoNet), each with probability 1/3:
//     0: [CLS] A [SEP] B [SEP]   (original order)
//     1: [CLS] B [SEP] A [SEP]   (swapped)
//     2: [CLS] A [SEP] B' [SEP]  (B' = consecutive sentences of another document)
//   NSP (BERT), each with probability 1/2:
//     0: [CLS] A [SEP] B [SEP]   (B is next)
//     1: [CLS] A [SEP] B' [SEP]  (B' from another document: not next)
//   in order (no sentence objective, for MLM alone): always [CLS] A [SEP] B [SEP], label 0.
// Every kind draws A and B the same way (document, first sentence, split); SSO and NSP then draw the
// label, and a label that takes B' from another document draws where.
// token_type_ids: 0 up to and including the first [SEP], 1 after. segment_ids number the sentences for
// segment max-pooling the way the official pipeline does: [CLS] 0, the first part's sentences 1..k, the
// middle [SEP] k+1, the second part's sentences k+2..m, the last [SEP] m+1, padding m+2.
// MLM: 15% of the non-special tokens (at least one) are chosen; 80% become [MASK], 10% a random token,
// 10% stay; labels hold the original id there and -100 elsewhere.
// Every batch is padded to max_len. All randomness comes from the Rng passed in, so a saved Rng state
// reproduces the stream exactly.
#pragma once
#include <utility>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "text/corpus.h"
#include "text/tokenizer.h"

namespace ponet::data {

// Which sentence pairs the examples hold (see above).
enum class SentencePairs { sso, nsp, in_order };

struct PretrainingOptions {
  int64_t max_len = 128;
  float mask_prob = 0.15f;
  int64_t batch_size = 32;
  SentencePairs pairs = SentencePairs::sso;
};

struct Batch {
  Tensor input_ids, attention_mask, token_type_ids, segment_ids, labels;  // int64 [B, max_len]
  Tensor next_sentence_label;                                             // int64 [B]: the pair labels
  int64_t num_tokens = 0;                                                 // real (unpadded) tokens
};

// A batch of B rows of L real tokens each (no padding, no given segments): ids and MLM labels of B * L
// entries (-100: not scored) and B sentence labels. Benchmarks and tests build theirs with it.
Batch full_rows_batch(const std::vector<int64_t>& ids, const std::vector<int64_t>& labels,
                      const std::vector<int64_t>& sentence_labels, int64_t B, int64_t L);

struct Example {
  std::vector<int64_t> input_ids, token_type_ids, segment_ids, labels;  // unpadded
  int64_t pair_label = 0;  // SSO 0/1/2, NSP 0/1, 0 for in-order pairs
  // where the two parts came from (document index into the corpus, sentence range [begin, end))
  size_t first_doc = 0, second_doc = 0;
  std::pair<size_t, size_t> first_sentences, second_sentences;
};

class PretrainingData {
 public:
  // Uses the documents `document_indices` of `corpus`; needs at least 2 of them, one with 2+ sentences.
  PretrainingData(const text::Corpus& corpus, const text::WordPieceTokenizer& tokenizer, PretrainingOptions options,
                  const std::vector<size_t>& document_indices);
  Example next_example(Rng& rng) const;
  Batch next_batch(Rng& rng) const;
  const PretrainingOptions& options() const { return options_; }

 private:
  std::vector<int64_t> mask_tokens(Example& e, Rng& rng) const;

  const text::WordPieceTokenizer& tok_;
  PretrainingOptions options_;
  std::vector<size_t> doc_ids_;                              // corpus index of each used document
  std::vector<std::vector<std::vector<int64_t>>> docs_;      // used documents -> sentences -> token ids
  std::vector<size_t> pairable_;                             // used documents with 2+ sentences
};

// Deterministic split of n documents into (train, held-out): every k-th document (k = 1 / fraction)
// goes to held-out, so both halves span the corpus; which one of each k is the seed plus phase * k
// (phase in [0, 1)). At least one document on each side.
std::pair<std::vector<size_t>, std::vector<size_t>> split_documents(size_t n, double held_out_fraction, uint64_t seed,
                                                                    double phase = 0.0);

// The phase `ponet pretrain` uses unless --held-out-phase says otherwise. run.json records it as
// held_out_phase, so that --resume and `ponet eval` rebuild the same held-out documents. At
// 0 the held-out chapters of the KJV start with the first and include Psalm 23, the two chapters of the
// sample sentences; halfway, every held-out chapter is an ordinary one and those verses are training text.
constexpr double kPretrainHeldOutPhase = 0.5;

}  // namespace ponet::data
