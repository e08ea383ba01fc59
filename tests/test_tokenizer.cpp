// Basic tokenization, WordPiece splitting, vocab files and the vocabulary trainer.
#include <cstdio>
#include <fstream>

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

TEST_CASE("basic tokenization: lowercase, punctuation split, control characters, bytes >= 0x80") {
  CHECK(basic_tokenize("Hello, World!") == std::vector<std::string>{"hello", ",", "world", "!"});
  CHECK(basic_tokenize("  a\tb\nc  ") == std::vector<std::string>{"a", "b", "c"});
  CHECK(basic_tokenize("x\x01y") == std::vector<std::string>{"xy"});
  CHECK(basic_tokenize("caf\xc3\xa9 \xff\xfe") == std::vector<std::string>{"caf\xc3\xa9", "\xff\xfe"});
  CHECK(utf8_chars("caf\xc3\xa9") == std::vector<std::string>{"c", "a", "f", "\xc3\xa9"});
  CHECK(utf8_chars("\xc3") == std::vector<std::string>{"\xc3"});  // truncated sequence: one byte
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
