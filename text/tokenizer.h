// WordPiece tokenization, BERT-uncased style, and a small trainer for its vocabulary.
//
// Basic tokenization: control characters dropped, whitespace splits words, ASCII letters lowercased,
// every ASCII punctuation character becomes a word of its own. Bytes >= 0x80 (UTF-8, valid or not)
// are kept inside words, grouped into characters by their UTF-8 lead byte.
// WordPiece: greedy longest-match-first over each word; pieces after the first carry a "##" prefix;
// a word that cannot be split, or is longer than 100 characters, becomes [UNK].
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace ponet::text {

std::vector<std::string> basic_tokenize(const std::string& text);
// Splits a word into UTF-8 characters (an invalid byte is a character of its own).
std::vector<std::string> utf8_chars(const std::string& word);

class WordPieceTokenizer {
 public:
  WordPieceTokenizer() = default;
  // tokens[i] has id i; must contain [PAD] [UNK] [CLS] [SEP] [MASK] exactly once each, no duplicates.
  explicit WordPieceTokenizer(std::vector<std::string> tokens);

  // Learns a vocabulary of (at most) vocab_size tokens from texts by BPE-style merges over the word
  // frequency table: start from every character (plain and ## forms), then repeatedly add the merge of
  // the most frequent adjacent symbol pair (ties: the pair of earlier-created symbols). Specials first:
  // [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4.
  static WordPieceTokenizer train(const std::vector<std::string>& texts, int64_t vocab_size);
  // A standard BERT vocab.txt: one token per line, id = line number.
  static WordPieceTokenizer load_vocab(const std::string& path);
  void save_vocab(const std::string& path) const;  // atomic

  std::vector<int64_t> encode(const std::string& text) const;
  std::string decode(const std::vector<int64_t>& ids) const;  // joins ## pieces, skips [PAD]
  std::vector<std::string> wordpiece(const std::string& word) const;

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
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int64_t> ids_;
  int64_t pad_ = -1, unk_ = -1, cls_ = -1, sep_ = -1, mask_ = -1;
};

}  // namespace ponet::text
