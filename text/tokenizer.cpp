#include "text/tokenizer.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "io/atomic_file.h"

namespace ponet::text {

namespace {
constexpr size_t kMaxWordChars = 100;
const char* kSpecials[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
}  // namespace

std::vector<std::string> basic_tokenize(const std::string& text) {
  std::vector<std::string> words;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) words.push_back(current);
    current.clear();
  };
  for (unsigned char ch : text) {
    if (ch >= 0x80) {
      current += static_cast<char>(ch);  // part of a UTF-8 character: keep inside the word
    } else if (std::isspace(ch)) {
      flush();
    } else if (std::iscntrl(ch)) {
      continue;
    } else if (std::ispunct(ch)) {
      flush();
      words.emplace_back(1, static_cast<char>(ch));
    } else {
      current += static_cast<char>(std::tolower(ch));
    }
  }
  flush();
  return words;
}

std::vector<std::string> utf8_chars(const std::string& word) {
  std::vector<std::string> chars;
  for (size_t i = 0; i < word.size();) {
    const unsigned char lead = static_cast<unsigned char>(word[i]);
    size_t len = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 1;
    if (i + len > word.size()) len = 1;
    for (size_t j = 1; j < len; ++j)  // a broken continuation byte ends the character early
      if ((static_cast<unsigned char>(word[i + j]) >> 6) != 0x2) {
        len = 1;
        break;
      }
    chars.push_back(word.substr(i, len));
    i += len;
  }
  return chars;
}

WordPieceTokenizer::WordPieceTokenizer(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {
  PONET_CHECK(!tokens_.empty(), "tokenizer: empty vocabulary");
  for (size_t i = 0; i < tokens_.size(); ++i) {
    PONET_CHECK(!tokens_[i].empty(), "tokenizer: empty token at line ", i + 1);
    PONET_CHECK(ids_.emplace(tokens_[i], static_cast<int64_t>(i)).second, "tokenizer: duplicate token '", tokens_[i],
                "' at line ", i + 1);
  }
  int64_t* slots[] = {&pad_, &unk_, &cls_, &sep_, &mask_};
  for (int i = 0; i < 5; ++i) {
    *slots[i] = token_to_id(kSpecials[i]);
    PONET_CHECK(*slots[i] >= 0, "tokenizer: the vocabulary has no ", kSpecials[i], " token");
  }
}

int64_t WordPieceTokenizer::token_to_id(const std::string& token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? -1 : it->second;
}

const std::string& WordPieceTokenizer::id_to_token(int64_t id) const {
  PONET_CHECK(id >= 0 && id < vocab_size(), "tokenizer: id ", id, " outside the vocabulary [0, ", vocab_size(), ")");
  return tokens_[id];
}

std::vector<std::string> WordPieceTokenizer::wordpiece(const std::string& word) const {
  std::vector<std::string> chars = utf8_chars(word);
  if (chars.size() > kMaxWordChars) return {"[UNK]"};
  std::vector<std::string> pieces;
  size_t start = 0;
  while (start < chars.size()) {
    size_t end = chars.size();
    std::string found;
    for (; end > start; --end) {  // longest match first
      std::string candidate = start > 0 ? "##" : "";
      for (size_t i = start; i < end; ++i) candidate += chars[i];
      if (ids_.count(candidate)) {
        found = candidate;
        break;
      }
    }
    if (found.empty()) return {"[UNK]"};
    pieces.push_back(found);
    start = end;
  }
  return pieces;
}

std::vector<int64_t> WordPieceTokenizer::encode(const std::string& text) const {
  std::vector<int64_t> ids;
  for (const std::string& word : basic_tokenize(text))
    for (const std::string& piece : wordpiece(word)) ids.push_back(token_to_id(piece));
  return ids;
}

std::string WordPieceTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  for (int64_t id : ids) {
    if (id == pad_) continue;
    const std::string& t = id_to_token(id);
    if (t.rfind("##", 0) == 0) {
      out += t.substr(2);
    } else {
      if (!out.empty()) out += ' ';
      out += t;
    }
  }
  return out;
}

WordPieceTokenizer WordPieceTokenizer::load_vocab(const std::string& path) {
  std::ifstream in(path);
  PONET_CHECK(in.good(), "cannot open vocabulary '", path, "'");
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    tokens.push_back(line);
  }
  try {
    return WordPieceTokenizer(tokens);
  } catch (const Error& e) {
    fail(path, ": ", e.what());
  }
}

void WordPieceTokenizer::save_vocab(const std::string& path) const {
  std::ostringstream os;
  for (const std::string& t : tokens_) os << t << '\n';
  io::write_file_atomically(path, os.str());
}

}  // namespace ponet::text
