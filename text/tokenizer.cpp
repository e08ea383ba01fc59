#include "text/tokenizer.h"

#include <fstream>
#include <sstream>
#include <string>

#include "core/error.h"
#include "io/atomic_file.h"
#include "text/unicode.h"

namespace ponet::text {

namespace {
constexpr size_t kMaxWordChars = 100;
const char* kSpecials[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

// BERT's CJK ranges as the Rust tokenizers code writes them: its Extension E range starts at U+2B920,
// not at U+2B820 as Google's Python does, and we follow the installed BertTokenizer.
bool is_cjk_ideograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// \t \n \r are controls to Unicode but whitespace to BERT; every other Cc, Cf and Co is noise. An
// unassigned code point (Cn) is kept, as HF keeps it.
bool is_dropped(char32_t c) {
  if (c == U'\t' || c == U'\n' || c == U'\r') return false;
  return c == 0 || c == 0xFFFD || unicode::is_other_control_format_private(c);
}

bool is_bert_punctuation(char32_t c) {
  const bool ascii = (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
  return ascii || unicode::is_punctuation(c);
}
}  // namespace

std::vector<std::string> basic_tokenize(const std::string& text, Casing casing) {
  std::u32string clean;
  clean.reserve(text.size());
  for (char32_t c : unicode::decode_utf8(text)) {
    if (is_dropped(c)) continue;
    if (unicode::is_white_space(c)) {
      clean += U' ';
    } else if (is_cjk_ideograph(c)) {
      clean += U' ';
      clean += c;
      clean += U' ';
    } else {
      clean += c;
    }
  }
  if (casing == Casing::kLower) {
    // Accents go before case, as in HF: NFD turns U+0130 into I + U+0307, so the one code point whose
    // full lowercase mapping has two code points never reaches the (simple) mapping below.
    std::u32string stripped;
    for (char32_t c : unicode::nfd(clean))
      if (!unicode::is_nonspacing_mark(c)) stripped += unicode::simple_lowercase(c);
    clean.swap(stripped);
  }
  std::vector<std::string> words;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) words.push_back(current);
    current.clear();
  };
  for (char32_t c : clean) {
    if (unicode::is_white_space(c)) {
      flush();
    } else if (is_bert_punctuation(c)) {
      flush();
      unicode::append_utf8(current, c);
      flush();
    } else {
      unicode::append_utf8(current, c);
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

WordPieceTokenizer::WordPieceTokenizer(std::vector<std::string> tokens, Casing casing)
    : tokens_(std::move(tokens)), casing_(casing) {
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

void WordPieceTokenizer::encode_words(const std::string& text, std::vector<int64_t>& ids) const {
  for (const std::string& word : basic_tokenize(text, casing_))
    for (const std::string& piece : wordpiece(word)) ids.push_back(token_to_id(piece));
}

std::vector<int64_t> WordPieceTokenizer::encode(const std::string& text) const {
  // Specials are matched in the raw bytes, leftmost first, longest at a position. They are ASCII, and an
  // ASCII byte is a character of its own in any UTF-8, valid or not, so bytes and characters agree.
  const int64_t special_ids[] = {pad_, unk_, cls_, sep_, mask_};
  std::vector<int64_t> ids;
  size_t done = 0, at = 0;
  while ((at = text.find('[', at)) != std::string::npos) {
    int best = -1;
    size_t best_len = 0;
    for (int k = 0; k < 5; ++k) {
      const size_t len = std::char_traits<char>::length(kSpecials[k]);
      if (len > best_len && text.compare(at, len, kSpecials[k]) == 0) best = k, best_len = len;
    }
    if (best < 0) {
      ++at;
      continue;
    }
    encode_words(text.substr(done, at - done), ids);
    ids.push_back(special_ids[best]);
    done = at = at + best_len;
  }
  encode_words(text.substr(done), ids);
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

WordPieceTokenizer WordPieceTokenizer::load_vocab(const std::string& path, Casing casing) {
  std::ifstream in(path);
  PONET_CHECK(in.good(), "cannot open vocabulary '", path, "'");
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    tokens.push_back(line);
  }
  try {
    return WordPieceTokenizer(tokens, casing);
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
