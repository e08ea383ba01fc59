// WordPieceTokenizer::train: BPE-style merges over the word-frequency table.
//
// Every distinct word is a sequence of symbol ids (its characters, continuation ones with "##"). Pair
// counts are kept for the whole table, with an index from each pair to the words containing it, so a
// merge only re-counts the words it touches.
#include <algorithm>
#include <map>
#include <set>

#include "core/error.h"
#include "text/tokenizer.h"

namespace ponet::text {

namespace {

struct Word {
  std::vector<int> symbols;
  int64_t count;
};

using Pair = std::pair<int, int>;

}  // namespace

WordPieceTokenizer WordPieceTokenizer::train(const std::vector<std::string>& texts, int64_t vocab_size) {
  PONET_CHECK(vocab_size >= 5, "tokenizer training: vocab_size must be at least 5");
  std::map<std::string, int64_t> freq;
  for (const std::string& t : texts)
    for (const std::string& w : basic_tokenize(t)) ++freq[w];
  PONET_CHECK(!freq.empty(), "tokenizer training: the corpus has no words");

  // Initial symbols: every character in both forms, sorted, so ids are deterministic.
  std::set<std::string> alphabet;
  for (auto& [w, n] : freq)
    for (const std::string& c : utf8_chars(w)) {
      alphabet.insert(c);
      alphabet.insert("##" + c);
    }
  std::vector<std::string> symbols(alphabet.begin(), alphabet.end());
  std::map<std::string, int> symbol_id;
  for (size_t i = 0; i < symbols.size(); ++i) symbol_id[symbols[i]] = static_cast<int>(i);

  std::vector<Word> words;
  for (auto& [w, n] : freq) {
    Word word{{}, n};
    std::vector<std::string> chars = utf8_chars(w);
    for (size_t i = 0; i < chars.size(); ++i) word.symbols.push_back(symbol_id[(i ? "##" : "") + chars[i]]);
    words.push_back(word);
  }

  std::map<Pair, int64_t> pair_count;
  std::map<Pair, std::set<size_t>> pair_words;
  auto count_word = [&](size_t wi, int sign) {
    const Word& w = words[wi];
    for (size_t i = 0; i + 1 < w.symbols.size(); ++i) {
      Pair p{w.symbols[i], w.symbols[i + 1]};
      pair_count[p] += sign * w.count;
      if (sign > 0) pair_words[p].insert(wi);
    }
  };
  for (size_t wi = 0; wi < words.size(); ++wi) count_word(wi, +1);

  std::vector<std::string> vocab{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  std::set<std::string> in_vocab(vocab.begin(), vocab.end());
  for (const std::string& s : symbols)
    if (in_vocab.insert(s).second) vocab.push_back(s);

  while (static_cast<int64_t>(vocab.size()) < vocab_size) {
    Pair best{-1, -1};
    int64_t best_count = 0;
    for (auto& [p, n] : pair_count)  // map order breaks ties by the earlier-created symbols
      if (n > best_count) best = p, best_count = n;
    if (best_count <= 0) break;  // every word is a single symbol
    const std::string& right = symbols[best.second];
    std::string merged = symbols[best.first] + (right.rfind("##", 0) == 0 ? right.substr(2) : right);
    int merged_id;
    auto found = symbol_id.find(merged);
    if (found != symbol_id.end()) {
      merged_id = found->second;
    } else {
      merged_id = static_cast<int>(symbols.size());
      symbols.push_back(merged);
      symbol_id[merged] = merged_id;
    }
    if (in_vocab.insert(merged).second) vocab.push_back(merged);

    std::set<size_t> touched = pair_words[best];
    for (size_t wi : touched) {
      count_word(wi, -1);
      std::vector<int>& s = words[wi].symbols;
      std::vector<int> out;
      for (size_t i = 0; i < s.size(); ++i) {
        if (i + 1 < s.size() && s[i] == best.first && s[i + 1] == best.second) {
          out.push_back(merged_id);
          ++i;
        } else {
          out.push_back(s[i]);
        }
      }
      s = out;
      count_word(wi, +1);
    }
    pair_count.erase(best);
    pair_words.erase(best);
  }
  return WordPieceTokenizer(vocab);
}

}  // namespace ponet::text
