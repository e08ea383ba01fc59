// Basic tokenization, WordPiece splitting, vocab files and the vocabulary trainer.
#include <cctype>
#include <cstdio>
#include <fstream>
#include <random>

#include "test_util.h"
#include "text/tokenizer.h"

using namespace ponet;
using namespace ponet::text;

namespace {
WordPieceTokenizer hand_vocab() {
  return WordPieceTokenizer({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "hello", ",",
                             "world", "!", "the", "lord", "is", "my", "##s", "shepherd", "a", "##b"});
}
std::string temp_path(const char* name) { return std::string("/tmp/ponet_test_") + name; }
}  // namespace

TEST_CASE("basic tokenization: lowercase, punctuation split, control characters, invalid UTF-8") {
  CHECK(basic_tokenize("Hello, World!") == std::vector<std::string>{"hello", ",", "world", "!"});
  CHECK(basic_tokenize("  a\tb\nc\r\nd  ") == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(basic_tokenize("x\x01y\x0bz") == std::vector<std::string>{"xyz"});  // \v is a control to BERT, not a space
  // invalid bytes read as U+FFFD, which BERT drops: they join their neighbours
  CHECK(basic_tokenize("caf\xc3\xa9 a\xff" "b \xfe\xc3") == std::vector<std::string>{"cafe", "ab"});
  CHECK(basic_tokenize("\xed\xa0\x80z\xc0\xaf") == std::vector<std::string>{"z"});  // a surrogate, an overlong '/'
  CHECK(utf8_chars("caf\xc3\xa9") == std::vector<std::string>{"c", "a", "f", "\xc3\xa9"});
  CHECK(utf8_chars("\xc3") == std::vector<std::string>{"\xc3"});  // truncated sequence: one byte
}

TEST_CASE("basic tokenization: Unicode, both casings") {
  const std::string cafe = "Caf\xc3\xa9";  // Café
  CHECK(basic_tokenize(cafe, Casing::kLower) == std::vector<std::string>{"cafe"});
  CHECK(basic_tokenize(cafe, Casing::kCased) == std::vector<std::string>{cafe});
  // U+0130 (Turkish dotted I): NFD gives I + U+0307, the mark goes, then lowercase: "i"
  CHECK(basic_tokenize("\xc4\xb0", Casing::kLower) == std::vector<std::string>{"i"});
  // capital sigma is lowercased on its own: never the final form
  CHECK(basic_tokenize("\xce\x9f\xce\xa3", Casing::kLower) == std::vector<std::string>{"\xce\xbf\xcf\x83"});
  // CJK ideographs stand alone; hiragana does not
  CHECK(basic_tokenize("\xe6\x88\x91\xe7\x88\xb1" "ab\xe3\x81\xae") ==
        std::vector<std::string>{"\xe6\x88\x91", "\xe7\x88\xb1", "ab\xe3\x81\xae"});
  // U+2028 and U+00A0 split words; U+200B (Cf) is dropped; U+00BF (Po) is punctuation, U+20AC (Sc) is not
  CHECK(basic_tokenize("a\xe2\x80\xa8" "b\xc2\xa0" "c\xe2\x80\x8b" "d \xc2\xbf" "e\xe2\x82\xac") ==
        std::vector<std::string>{"a", "b", "cd", "\xc2\xbf", "e\xe2\x82\xac"});
}

TEST_CASE("basic tokenization: printable ASCII, tab, newline and CR tokenize as before Unicode support") {
  // The KJV corpus is ASCII: the rule before (lowercase, split at spaces, each ASCII punctuation mark a
  // word) must still hold there, so the default pretraining run sees the same tokens.
  auto ascii_rule = [](const std::string& text) {
    std::vector<std::string> words;
    std::string cur;
    for (char ch : text) {
      const bool space = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
      const bool punct = !space && !std::isalnum(static_cast<unsigned char>(ch));
      if (space || punct) {
        if (!cur.empty()) words.push_back(cur);
        cur.clear();
        if (punct) words.emplace_back(1, ch);
      } else {
        cur += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      }
    }
    if (!cur.empty()) words.push_back(cur);
    return words;
  };
  std::mt19937 rng(7);
  const std::string alphabet = std::string("\t\n\r") + " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~eeeaaa    ";
  for (int trial = 0; trial < 500; ++trial) {
    std::string text;
    for (int i = 0, n = static_cast<int>(rng() % 40); i < n; ++i) text += alphabet[rng() % alphabet.size()];
    REQUIRE_MESSAGE(basic_tokenize(text) == ascii_rule(text), "text: " << text);
  }
}

TEST_CASE("WordPiece: greedy longest match with ## continuations, UNK for what cannot be split") {
  WordPieceTokenizer t = hand_vocab();
  CHECK(t.wordpiece("unaffable") == std::vector<std::string>{"un", "##aff", "##able"});
  CHECK(t.wordpiece("lords") == std::vector<std::string>{"lord", "##s"});
  CHECK(t.wordpiece("xyz") == std::vector<std::string>{"[UNK]"});
  CHECK(t.wordpiece(std::string(101, 'a')) == std::vector<std::string>{"[UNK]"});
  std::vector<int64_t> ids = t.encode("Hello, world!");
  CHECK(ids == std::vector<int64_t>{8, 9, 10, 11});
  CHECK(t.decode(t.encode("The LORD is my shepherd")) == "the lord is my shepherd");
  CHECK(t.decode({5, 6, 7, 0, 0}) == "unaffable");
  CHECK(t.cls_id() == 2);
  CHECK(t.mask_id() == 4);
  CHECK_THROWS_WITH_AS(t.id_to_token(99), doctest::Contains("outside the vocabulary"), Error);
}

TEST_CASE("encode: special tokens written in the text stay whole, case-sensitively") {
  WordPieceTokenizer t = hand_vocab();
  CHECK(t.encode("[CLS] hello [MASK]!") == std::vector<int64_t>{2, 8, 4, 11});
  CHECK(t.encode("hello[SEP]world[PAD]") == std::vector<int64_t>{8, 3, 10, 0});
  CHECK(t.encode("[[MASK]]") == std::vector<int64_t>{1, 4, 1});  // "[" and "]" are not in this vocabulary
  CHECK(t.encode("[mask]") == std::vector<int64_t>{1, 1, 1});    // "mask" is ordinary text, unknown here
  CHECK(t.encode("[MASK") == std::vector<int64_t>{1, 1});
  CHECK(t.encode("[UNK][UNK]") == std::vector<int64_t>{1, 1});
}

TEST_CASE("casing: kCased keeps case and accents, the setting survives load_vocab") {
  WordPieceTokenizer lower({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Lord", "lord"});
  WordPieceTokenizer cased({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Lord", "lord"}, Casing::kCased);
  CHECK(lower.casing() == Casing::kLower);
  CHECK(lower.encode("Lord LORD") == std::vector<int64_t>{6, 6});
  CHECK(cased.encode("Lord LORD lord") == std::vector<int64_t>{5, 1, 6});
  const std::string path = temp_path("cased_vocab.txt");
  cased.save_vocab(path);
  CHECK(WordPieceTokenizer::load_vocab(path, Casing::kCased).encode("Lord") == std::vector<int64_t>{5});
  CHECK(WordPieceTokenizer::load_vocab(path).encode("Lord") == std::vector<int64_t>{6});
  std::remove(path.c_str());
}

TEST_CASE("vocab.txt: save and load round trip, bad files are clear errors") {
  WordPieceTokenizer t = hand_vocab();
  const std::string path = temp_path("vocab.txt");
  t.save_vocab(path);
  WordPieceTokenizer u = WordPieceTokenizer::load_vocab(path);
  CHECK(u.vocab_size() == t.vocab_size());
  CHECK(u.encode("unaffable lords") == t.encode("unaffable lords"));
  std::ofstream(path) << "[PAD]\n[UNK]\n[CLS]\nhello\n";
  CHECK_THROWS_WITH_AS(WordPieceTokenizer::load_vocab(path), doctest::Contains("no [SEP]"), Error);
  std::ofstream(path) << "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nhello\n";
  CHECK_THROWS_WITH_AS(WordPieceTokenizer::load_vocab(path), doctest::Contains("duplicate token"), Error);
  CHECK_THROWS_WITH_AS(WordPieceTokenizer::load_vocab("/nonexistent/vocab.txt"), doctest::Contains("cannot open"), Error);
  std::remove(path.c_str());
}

TEST_CASE("vocabulary training: size, specials first, every character covered, deterministic") {
  std::vector<std::string> texts = {"the lord is my shepherd", "the lord said unto moses", "and the lord spake",
                                    "shepherds watched their flocks", "unto us a child is born"};
  WordPieceTokenizer t = WordPieceTokenizer::train(texts, 60);
  CHECK(t.vocab_size() == 60);
  CHECK(t.pad_id() == 0);
  CHECK(t.unk_id() == 1);
  CHECK(t.cls_id() == 2);
  CHECK(t.sep_id() == 3);
  CHECK(t.mask_id() == 4);
  for (const std::string& s : texts) {
    std::vector<int64_t> ids = t.encode(s);
    for (int64_t id : ids) CHECK(id != t.unk_id());
    CHECK(t.decode(ids) == s);
  }
  CHECK(t.token_to_id("the") >= 0);  // the most frequent word is merged whole
  WordPieceTokenizer again = WordPieceTokenizer::train(texts, 60);
  for (int64_t i = 0; i < 60; ++i) CHECK(again.id_to_token(i) == t.id_to_token(i));
  // a tiny corpus runs out of merges before the requested size
  CHECK(WordPieceTokenizer::train({"ab ab"}, 1000).vocab_size() < 1000);
  CHECK_THROWS_WITH_AS(WordPieceTokenizer::train({"  "}, 100), doctest::Contains("no words"), Error);
}
