// WordPiece tokenization exactly as transformers.BertTokenizer does it (transformers 5: the Rust
// `tokenizers` BertNormalizer + BertPreTokenizer + WordPiece), and a small trainer for its vocabulary.
//
// encode(text):
//  1. the special tokens [PAD] [UNK] [CLS] [SEP] [MASK] written literally in the text are cut out first
//     and stay whole (case-sensitive: "[cls]" is ordinary text), as HF's added-token split does;
//  2. basic_tokenize() every piece between them:
//     - invalid UTF-8 bytes read as U+FFFD; U+0000, U+FFFD and categories Cc Cf Co are dropped, except
//       \t \n \r; those and every White_Space character (Zs, U+2028, U+2029) become a space;
//     - a CJK ideograph (the ranges of BERT, as the Rust code has them) becomes a word of its own;
//     - Casing::kLower (uncased vocabularies): NFD, non-spacing marks (Mn) dropped, then every code point
//       lowercased on its own (no final-sigma context: HF lowercases char by char);
//       Casing::kCased: neither;
//     - words split at spaces; each punctuation character (ASCII 33-47 58-64 91-96 123-126, category P*)
//       is a word of its own;
//  3. WordPiece on each word: greedy longest-match-first, pieces after the first carry "##"; a word that
//     cannot be split, or is longer than 100 code points, becomes [UNK].
// Categories, NFD and case come from utf8proc (text/unicode.h, Unicode 15). HF's Rust code takes its
// categories from Unicode 8 tables and its lowercase from Rust's own, so code points assigned or
// recategorised since Unicode 8 can differ: 149 of all 1,112,064 cased, 624 uncased (2026-12, HF
// tokenizers 0.23.3, utf8proc 2.8); tests/data/bert_tokenizer checks the rest.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace ponet::text {

// kLower strips accents and lowercases (BERT "uncased", do_lower_case=True); kCased keeps the text's
// case and accents (do_lower_case=False).
enum class Casing { kLower, kCased };

// Step 2 above: the words WordPiece is applied to. Special tokens are not recognised here.
std::vector<std::string> basic_tokenize(const std::string& text, Casing casing = Casing::kLower);
// Splits a word into UTF-8 characters (an invalid byte is a character of its own).
std::vector<std::string> utf8_chars(const std::string& word);

class WordPieceTokenizer {
 public:
  WordPieceTokenizer() = default;
  // tokens[i] has id i; must contain [PAD] [UNK] [CLS] [SEP] [MASK] exactly once each, no duplicates.
  explicit WordPieceTokenizer(std::vector<std::string> tokens, Casing casing = Casing::kLower);

  // Learns a vocabulary of (at most) vocab_size tokens from texts by BPE-style merges over the word
  // frequency table: start from every character (plain and ## forms), then repeatedly add the merge of
  // the most frequent adjacent symbol pair (ties: the pair of earlier-created symbols). Specials first:
  // [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4. Words come from basic_tokenize with Casing::kLower.
  static WordPieceTokenizer train(const std::vector<std::string>& texts, int64_t vocab_size);
  // A standard BERT vocab.txt: one token per line, id = line number. The casing is not in the file: an
  // uncased BERT vocabulary wants kLower, a cased one kCased.
  static WordPieceTokenizer load_vocab(const std::string& path, Casing casing = Casing::kLower);
  void save_vocab(const std::string& path) const;  // atomic

  std::vector<int64_t> encode(const std::string& text) const;  // no [CLS]/[SEP] added
  std::string decode(const std::vector<int64_t>& ids) const;   // joins ## pieces, skips [PAD]
  std::vector<std::string> wordpiece(const std::string& word) const;

  Casing casing() const { return casing_; }
  int64_t vocab_size() const { return static_cast<int64_t>(tokens_.size()); }
  int64_t token_to_id(const std::string& token) const;  // -1 when absent
  const std::string& id_to_token(int64_t id) const;     // throws on a bad id
  int64_t pad_id() const { return pad_; }
  int64_t unk_id() const { return unk_; }
  int64_t cls_id() const { return cls_; }
  int64_t sep_id() const { return sep_; }
  int64_t mask_id() const { return mask_; }
  bool is_special(int64_t id) const { return id == pad_ || id == unk_ || id == cls_ || id == sep_ || id == mask_; }

 private:
  void encode_words(const std::string& text, std::vector<int64_t>& ids) const;

  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int64_t> ids_;
  Casing casing_ = Casing::kLower;
  int64_t pad_ = -1, unk_ = -1, cls_ = -1, sep_ = -1, mask_ = -1;
};

}  // namespace ponet::text
