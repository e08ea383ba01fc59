#include "data/pretraining_data.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace ponet::data {

namespace {
constexpr int64_t kIgnore = -100;

size_t total_tokens(const std::vector<std::vector<int64_t>>& sentences) {
  size_t n = 0;
  for (auto& s : sentences) n += s.size();
  return n;
}

// Drops tokens from the end of a part until it has `target` tokens (at least one is kept).
void truncate_part(std::vector<std::vector<int64_t>>& part) {
  while (!part.empty() && part.back().empty()) part.pop_back();
  if (!part.empty()) part.back().pop_back();
  while (!part.empty() && part.back().empty()) part.pop_back();
}
}  // namespace

PretrainingData::PretrainingData(const text::Corpus& corpus, const text::WordPieceTokenizer& tokenizer,
                                 PretrainingOptions options, const std::vector<size_t>& document_indices)
    : tok_(tokenizer), options_(options) {
  PONET_CHECK(options.max_len >= 8, "pretraining data: max_len must be at least 8, got ", options.max_len);
  PONET_CHECK(options.batch_size > 0, "pretraining data: batch_size must be positive");
  PONET_CHECK(options.mask_prob > 0 && options.mask_prob < 1, "pretraining data: mask_prob must be in (0, 1)");
  for (size_t d : document_indices) {
    PONET_CHECK(d < corpus.documents.size(), "pretraining data: document index ", d, " out of range");
    std::vector<std::vector<int64_t>> sentences;
    for (const std::string& s : corpus.documents[d]) {
      std::vector<int64_t> ids = tokenizer.encode(s);
      if (!ids.empty()) sentences.push_back(std::move(ids));
    }
    if (sentences.empty()) continue;
    if (sentences.size() >= 2) pairable_.push_back(docs_.size());
    doc_ids_.push_back(d);
    docs_.push_back(std::move(sentences));
  }
  PONET_CHECK(docs_.size() >= 2, "pretraining data: need at least 2 non-empty documents, got ", docs_.size());
  PONET_CHECK(!pairable_.empty(), "pretraining data: no document has 2 or more sentences");
}

Example PretrainingData::next_example(Rng& rng) const {
  const size_t budget = static_cast<size_t>(options_.max_len - 3);
  const size_t d = pairable_[rng.randint(0, static_cast<int64_t>(pairable_.size()))];
  const auto& doc = docs_[d];
  // consecutive sentences from a random start, at least two, until the budget is filled
  size_t begin = static_cast<size_t>(rng.randint(0, static_cast<int64_t>(doc.size()) - 1));
  size_t end = begin + 1, used = doc[begin].size();
  while (end < doc.size() && (end - begin < 2 || used + doc[end].size() <= budget)) used += doc[end++].size();
  const size_t split = begin + static_cast<size_t>(rng.randint(1, static_cast<int64_t>(end - begin)));

  Example e;
  bool swapped = false, other_document = false;
  switch (options_.pairs) {
    case SentencePairs::sso:
      e.pair_label = rng.randint(0, 3);
      swapped = e.pair_label == 1;
      other_document = e.pair_label == 2;
      break;
    case SentencePairs::nsp:
      e.pair_label = rng.randint(0, 2);
      other_document = e.pair_label == 1;
      break;
    case SentencePairs::in_order: break;
  }
  std::vector<std::vector<int64_t>> a(doc.begin() + begin, doc.begin() + split);
  std::vector<std::vector<int64_t>> b(doc.begin() + split, doc.begin() + end);
  size_t a_doc = d, b_doc = d;
  std::pair<size_t, size_t> a_range{begin, split}, b_range{split, end};
  if (other_document) {  // B from another document
    size_t other = static_cast<size_t>(rng.randint(0, static_cast<int64_t>(docs_.size()) - 1));
    if (other >= d) ++other;
    const auto& od = docs_[other];
    const size_t room = budget > total_tokens(a) ? budget - total_tokens(a) : 1;
    size_t ob = static_cast<size_t>(rng.randint(0, static_cast<int64_t>(od.size())));
    size_t oe = ob + 1, oused = od[ob].size();
    while (oe < od.size() && oused + od[oe].size() <= room) oused += od[oe++].size();
    b.assign(od.begin() + ob, od.begin() + oe);
    b_doc = other;
    b_range = {ob, oe};
  }
  if (swapped) {
    std::swap(a, b);
    std::swap(a_doc, b_doc);
    std::swap(a_range, b_range);
  }
  while (total_tokens(a) + total_tokens(b) > budget) truncate_part(total_tokens(a) >= total_tokens(b) ? a : b);

  // [CLS] first [SEP] second [SEP], with per-sentence segment ids
  int64_t seg = 0;
  auto push = [&](int64_t id, int64_t type, int64_t segment) {
    e.input_ids.push_back(id);
    e.token_type_ids.push_back(type);
    e.segment_ids.push_back(segment);
  };
  push(tok_.cls_id(), 0, seg++);
  for (auto& s : a) {
    for (int64_t id : s) push(id, 0, seg);
    ++seg;
  }
  push(tok_.sep_id(), 0, seg++);
  for (auto& s : b) {
    for (int64_t id : s) push(id, 1, seg);
    ++seg;
  }
  push(tok_.sep_id(), 1, seg);
  e.first_doc = doc_ids_[a_doc];
  e.second_doc = doc_ids_[b_doc];
  e.first_sentences = a_range;
  e.second_sentences = b_range;
  e.labels = mask_tokens(e, rng);
  return e;
}

std::vector<int64_t> PretrainingData::mask_tokens(Example& e, Rng& rng) const {
  std::vector<int64_t> labels(e.input_ids.size(), kIgnore), candidates;
  for (size_t i = 0; i < e.input_ids.size(); ++i)
    if (!tok_.is_special(e.input_ids[i])) candidates.push_back(static_cast<int64_t>(i));
  if (candidates.empty()) return labels;
  const size_t n = std::max<size_t>(1, static_cast<size_t>(std::lround(options_.mask_prob * candidates.size())));
  for (size_t i = 0; i < n; ++i) {  // partial Fisher-Yates: n distinct positions
    const size_t j = i + static_cast<size_t>(rng.randint(0, static_cast<int64_t>(candidates.size() - i)));
    std::swap(candidates[i], candidates[j]);
    const int64_t pos = candidates[i];
    labels[pos] = e.input_ids[pos];
    const float r = rng.uniform();
    if (r < 0.8f) {
      e.input_ids[pos] = tok_.mask_id();
    } else if (r < 0.9f) {
      int64_t id;
      do id = rng.randint(0, tok_.vocab_size());
      while (tok_.is_special(id));
      e.input_ids[pos] = id;
    }
  }
  return labels;
}

Batch PretrainingData::next_batch(Rng& rng) const {
  const int64_t B = options_.batch_size, L = options_.max_len;
  std::vector<int64_t> ids(B * L, tok_.pad_id()), mask(B * L, 0), types(B * L, 0), segs(B * L), labels(B * L, kIgnore),
      pair_labels(B);
  Batch batch;
  for (int64_t b = 0; b < B; ++b) {
    Example e = next_example(rng);
    const int64_t n = static_cast<int64_t>(e.input_ids.size());
    for (int64_t l = 0; l < L; ++l) {
      const int64_t i = b * L + l;
      if (l < n) {
        ids[i] = e.input_ids[l];
        mask[i] = 1;
        types[i] = e.token_type_ids[l];
        segs[i] = e.segment_ids[l];
        labels[i] = e.labels[l];
      } else {
        segs[i] = e.segment_ids.back() + 1;  // padding: one segment after the last [SEP]
      }
    }
    pair_labels[b] = e.pair_label;
    batch.num_tokens += n;
  }
  batch.input_ids = Tensor::from_vector_i64(ids, {B, L});
  batch.attention_mask = Tensor::from_vector_i64(mask, {B, L});
  batch.token_type_ids = Tensor::from_vector_i64(types, {B, L});
  batch.segment_ids = Tensor::from_vector_i64(segs, {B, L});
  batch.labels = Tensor::from_vector_i64(labels, {B, L});
  batch.next_sentence_label = Tensor::from_vector_i64(pair_labels, {B});
  return batch;
}

std::pair<std::vector<size_t>, std::vector<size_t>> split_documents(size_t n, double held_out_fraction, uint64_t seed,
                                                                    double phase) {
  PONET_CHECK(n >= 2, "split_documents: need at least 2 documents, got ", n);
  PONET_CHECK(held_out_fraction > 0 && held_out_fraction < 1, "split_documents: held-out fraction must be in (0, 1)");
  PONET_CHECK(phase >= 0 && phase < 1, "split_documents: phase must be in [0, 1), got ", phase);
  const size_t every = std::max<size_t>(2, static_cast<size_t>(std::llround(1.0 / held_out_fraction)));
  const size_t shift = static_cast<size_t>(std::floor(phase * static_cast<double>(every)));
  const size_t offset = static_cast<size_t>((seed % every + shift) % every);
  std::vector<size_t> train, held;
  for (size_t i = 0; i < n; ++i) (i % every == offset % std::min(every, n) ? held : train).push_back(i);
  if (held.empty()) {
    held.push_back(train.back());
    train.pop_back();
  }
  return {train, held};
}

Batch full_rows_batch(const std::vector<int64_t>& ids, const std::vector<int64_t>& labels,
                      const std::vector<int64_t>& sentence_labels, int64_t B, int64_t L) {
  Batch batch;
  batch.input_ids = Tensor::from_vector_i64(ids, {B, L});
  batch.labels = Tensor::from_vector_i64(labels, {B, L});
  batch.next_sentence_label = Tensor::from_vector_i64(sentence_labels, {B});
  batch.num_tokens = B * L;
  return batch;
}

}  // namespace ponet::data
